// Query: SQL over every region of a table (`shoal query`): an editor, run or explain, the answer
// as a table (CSV download), the plan, and the residency of the answer: each region's arrow to
// the coordinator labelled with what it scanned and what left it.
import {html, useEffect, useState} from '../vendor/preact-htm.js';

import {api, enc, jobsPath, queriesPath} from '../api.js';
import {Ago, Bar, Bytes, ErrorBox, ResultTable, State, Table, download} from '../components.js';
import {formatBytes, formatCount, formatDuration, partitionProgress, resultCsv, shortId} from '../format.js';
import {useNow, usePoll} from '../hooks.js';

const EXAMPLE = 'SELECT date_trunc(\'month\', timestamp)::DATE AS month, count(*) AS txns\nFROM transactions GROUP BY 1 ORDER BY 1';

// Each region's fragment job (found by name, as the CLI's progress line does) and its progress.
async function fragmentProgress(query) {
  const progress = {};
  await Promise.all(query.Residency.map(async (r) => {
    try {
      const job = (await api(`${jobsPath}/${enc(`shoal-query-${query.ID}-${r.Region}`)}`)).Job;
      const executions = (await api(`${jobsPath}/${enc(job.ID)}/executions`)).Items;
      progress[r.Region] = partitionProgress(job, executions);
    } catch {
      progress[r.Region] = null;  // not submitted yet
    }
  }));
  return progress;
}

// Regions on the left, the coordinator on the right; on each arrow, what left the region.
export function ResidencyDiagram({query}) {
  const regions = query.Residency;
  const rowHeight = 84;
  const height = Math.max(regions.length * rowHeight, rowHeight) + 20;
  const coordY = height / 2;
  return html`<svg class="residency" viewBox=${`0 0 640 ${height}`} role="img" data-testid="residency-diagram"
      aria-label="What each region scanned and what left it">
    <defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse">
      <path d="M 0 0 L 10 5 L 0 10 z" class="arrowhead" /></marker></defs>
    ${regions.map((r, i) => {
      const y = 10 + i * rowHeight + rowHeight / 2;
      return html`<g>
        <rect x="4" y=${y - 26} width="170" height="52" rx="6" class="box" />
        <text x="14" y=${y - 6} class="box-title">${r.Region}</text>
        <text x="14" y=${y + 14} class="box-text">scanned ${formatBytes(r.BytesScanned)} · ${r.Files} files</text>
        <line x1="174" y1=${y} x2="456" y2=${coordY} class="flow" marker-end="url(#arrow)" />
        <text x="184" y=${y - 10} class="flow-text" data-testid=${`flow-${r.Region}`}>
          ${formatBytes(r.PartialBytes)} · ${formatCount(r.PartialRows)} rows (${query.Shipping})</text>
      </g>`;
    })}
    <rect x="460" y=${coordY - 30} width="176" height="60" rx="6" class="box coordinator" />
    <text x="472" y=${coordY - 6} class="box-title">coordinator</text>
    <text x="472" y=${coordY + 14} class="box-text">${query.ResultRows} rows answered</text>
  </svg>`;
}

function QueryView({id, onEnd}) {
  const query = usePoll(async () => {
    const q = await api(`${queriesPath}/${enc(id)}?wait_ms=1000`);
    const progress = q.State === 'Running' ? await fragmentProgress(q) : null;
    const result = q.State === 'Completed' && !q.Request.Explain
      ? JSON.parse(await api(`${queriesPath}/${enc(id)}/result`, {raw: true})) : null;
    return {q, progress, result};
  }, 100, [id], (data) => data.q.State === 'Running');
  const ended = query.data && query.data.q.State !== 'Running';
  useEffect(() => {
    if (ended) onEnd();
  }, [ended]);
  if (!query.data) return html`<${ErrorBox} error=${query.error} />`;
  const {q, progress, result} = query.data;
  const cancel = () => api(`${queriesPath}/${enc(id)}`, {method: 'DELETE'}).then(query.reload, () => {});
  return html`<section class="card" data-testid="query-view">
    <h2>${shortId(q.ID)} <${State} state=${q.State} /></h2>
    ${q.Message && html`<div class="error" role="alert" data-testid="query-error">${q.Message}</div>`}
    ${q.State === 'Running' && html`<div class="actions"><button onClick=${cancel}>Cancel</button></div>
      ${q.Residency.map((r) => html`<p>${r.Region}: <${Bar} fraction=${progress?.[r.Region]?.fraction ?? 0} />
        ${progress?.[r.Region] ? ` ${progress[r.Region].done}/${progress[r.Region].total} partitions` : ' waiting'}</p>`)}`}
    ${result && html`<button class="quiet" onClick=${() => download(`${q.ID}.csv`, resultCsv(result))}>Download CSV</button>
      <${ResultTable} result=${result} testId="query-result" />`}
    ${q.State !== 'Running' && q.Residency.length > 0 && !q.Request.Explain && html`<h3>Residency</h3>
      <${ResidencyDiagram} query=${q} />
      <p class="muted">Plan ${formatDuration(q.PlanMs)}, fragments ${formatDuration(q.FragmentsMs)}, merge ${formatDuration(q.MergeMs)}.</p>`}
    <details open=${q.Request.Explain}><summary>Plan (${q.Shipping})</summary>
      <p>Each partition, next to its files:</p><pre class="spec">${q.FragmentSQL}</pre>
      <p>The coordinator, over the partials (<code>__shoal_partials</code>):</p><pre class="spec">${q.MergeSQL}</pre>
    </details></section>`;
}

export function QueryPage() {
  const now = useNow();
  const [sql, setSql] = useState(EXAMPLE);
  const [regions, setRegions] = useState('');
  const [allowRows, setAllowRows] = useState(false);
  const [current, setCurrent] = useState('');
  const [error, setError] = useState();
  const recent = usePoll(() => api(`${queriesPath}?limit=20`).then((r) => r.Items), 3000);
  const submit = async (explain) => {
    setError(undefined);
    try {
      const body = {SQL: sql, Explain: explain, AllowRows: allowRows};
      const list = regions.split(',').map((r) => r.trim()).filter(Boolean);
      if (list.length) body.Regions = list;
      const q = await api(queriesPath, {method: 'POST', body});
      setCurrent(q.ID);
      recent.reload();
    } catch (e) {
      setError(e);
    }
  };
  const columns = [
    {label: 'Query', render: (q) => html`<a href="#/query" class="mono" onClick=${(e) => { e.preventDefault(); setCurrent(q.ID); }}>${shortId(q.ID)}</a>`},
    {label: 'State', render: (q) => html`<${State} state=${q.State} />`},
    {label: 'SQL', render: (q) => html`<code class="sql-cell" title=${q.Request.SQL}>${q.Request.SQL}</code>`},
    {label: 'Scanned', numeric: true, render: (q) => html`<${Bytes} n=${q.Residency.reduce((s, r) => s + r.BytesScanned, 0)} />`},
    {label: 'Shipped', numeric: true, render: (q) => html`<${Bytes} n=${q.Residency.reduce((s, r) => s + r.PartialBytes, 0)} />`},
    {label: 'Created', render: (q) => html`<${Ago} ns=${q.CreateTime} now=${now} />`},
  ];
  return html`<h1>Query</h1>
    <form class="query-form" onSubmit=${(e) => { e.preventDefault(); submit(false); }}>
      <textarea value=${sql} onInput=${(e) => setSql(e.target.value)} rows="6" spellcheck="false"
        data-testid="sql" aria-label="SQL"
        onKeyDown=${(e) => { if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); submit(false); } }}></textarea>
      <div class="actions">
        <button type="submit" data-testid="run-query">Run</button>
        <button type="button" class="quiet" onClick=${() => submit(true)}>Explain</button>
        <label>Regions <input value=${regions} onInput=${(e) => setRegions(e.target.value)} placeholder="all" /></label>
        <label><input type="checkbox" checked=${allowRows} onChange=${(e) => setAllowRows(e.target.checked)} /> allow rows to leave regions</label>
        <span class="muted">Ctrl+Enter runs</span>
      </div>
    </form>
    <${ErrorBox} error=${error} />
    ${current && html`<${QueryView} key=${current} id=${current} onEnd=${recent.reload} />`}
    <h2>Recent queries</h2>
    <${Table} columns=${columns} rows=${recent.data ?? []} rowKey=${(q) => q.ID} empty="No query yet." />`;
}
