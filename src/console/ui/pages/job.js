// Job detail: the job and its spec as YAML (with the docker image it was written as), its
// partitions' executions (node, region, attempts, phases, what each read, progress), the history
// events as they happen, the logs, the result table (first rows, CSV download), stop and re-run.
import {html, useEffect, useRef, useState} from '../vendor/preact-htm.js';

import {api, enc, jobsPath, nodesPath} from '../api.js';
import {Ago, Bar, Bytes, ErrorBox, ResultTable, State, Table, download} from '../components.js';
import {absoluteTime, formatDuration, isTerminalJob, nodeRegions, partitionProgress, resultCsv,
        shortId, toYaml} from '../format.js';
import {useNow, usePoll} from '../hooks.js';

// The spec as submitted: the job without what the orchestrator keeps about it.
function specOf(job) {
  const {ID, State: state, Version, Revision, CreateTime, ModifyTime, VersionTime, ...spec} = job;
  return spec;
}

// The phases of an execution as a bar: queued, staging, running, publishing, widths by duration.
function Phases({stats}) {
  const phases = [['queued', stats?.QueuedMs], ['staging', stats?.StagingMs], ['running', stats?.RunningMs],
                  ['publishing', stats?.PublishingMs]];
  const total = phases.reduce((sum, [, ms]) => sum + (ms ?? 0), 0);
  if (!total) return html`<span class="muted">—</span>`;
  return html`<span class="phases" title=${phases.map(([n, ms]) => `${n} ${formatDuration(ms ?? 0)}`).join(', ')}>
    ${phases.map(([name, ms]) => html`<span class=${`phase phase-${name}`} style=${{flexGrow: String(ms ?? 0)}}></span>`)}
    </span> ${formatDuration(total)}`;
}

// The union of the partitions' result tables in partition order; null when they differ in
// columns (each is then shown on its own).
function unionOf(results) {
  if (!results.length) return null;
  const columns = results[0].table.Columns;
  const same = results.every((r) => JSON.stringify(r.table.Columns) === JSON.stringify(columns));
  if (!same) return null;
  return {Columns: columns, Rows: results.flatMap((r) => r.table.Rows)};
}

async function loadResults(jobId) {
  const listing = await api(`${jobsPath}/${enc(jobId)}/results`);
  const results = [];
  for (const item of listing.Items) {
    if (!item.Files.some((f) => f.Path === 'result.json')) continue;
    const text = await api(`${jobsPath}/${enc(jobId)}/results/${enc(item.ExecutionID)}/result.json`, {raw: true});
    results.push({partition: item.PartitionIndex, node: item.NodeID, table: JSON.parse(text)});
  }
  return results.sort((a, b) => a.partition - b.partition);
}

function History({jobId, live}) {
  const [events, setEvents] = useState([]);
  const since = useRef(0);
  useEffect(() => {
    setEvents([]);
    since.current = 0;
  }, [jobId]);
  usePoll(async () => {
    const page = await api(`${jobsPath}/${enc(jobId)}/history?since=${since.current}`);
    if (page.Items.length) {
      since.current = page.LastSeq ?? page.Items[page.Items.length - 1].SeqNum;
      setEvents((old) => [...old, ...page.Items]);
    }
    return page.Items.length;
  }, 1000, [jobId], () => live);
  const columns = [
    {label: 'Time', render: (e) => html`<time title=${absoluteTime(e.Time)}>${absoluteTime(e.Time).slice(11)}</time>`},
    {label: 'Execution', render: (e) => html`<span class="mono">${shortId(e.ExecutionID)}</span>`},
    {label: 'Topic', key: 'Topic'},
    {label: 'Event', key: 'Message'},
  ];
  return html`<${Table} columns=${columns} rows=${events} rowKey=${(e) => e.SeqNum} testId="history" />`;
}

function Logs({jobId, live}) {
  const logs = usePoll(() => api(`${jobsPath}/${enc(jobId)}/logs`).then((r) => r.Items), 2000, [jobId], () => live);
  if (!logs.data?.length) return html`<p class="empty">No output yet.</p>`;
  return logs.data.map((item) => html`<details open=${logs.data.length === 1}>
    <summary>${shortId(item.ExecutionID)} on ${item.NodeID}</summary>
    ${item.Stdout && html`<pre class="log">${item.Stdout}</pre>`}
    ${item.Stderr && html`<pre class="log stderr">${item.Stderr}</pre>`}</details>`);
}

export function JobPage({id}) {
  const now = useNow();
  const [actionError, setActionError] = useState();
  const [notice, setNotice] = useState('');
  const nodes = usePoll(() => api(nodesPath).then((r) => r.Items), 10000);
  const state = usePoll(async () => {
    const job = (await api(`${jobsPath}/${enc(id)}`)).Job;
    const executions = (await api(`${jobsPath}/${enc(job.ID)}/executions`)).Items;
    return {job, executions};
  }, 1000, [id], (data) => !isTerminalJob(data.job.State.StateType));
  const job = state.data?.job;
  const ended = job && isTerminalJob(job.State.StateType);
  const results = usePoll(() => (job?.State.StateType === 'Completed' ? loadResults(job.ID) : Promise.resolve(null)),
                          1000, [job?.ID, job?.Version, job?.State.StateType], () => false);
  if (!state.data) return html`<${ErrorBox} error=${state.error} />${!state.error && html`<p class="muted">Loading…</p>`}`;

  const regions = nodeRegions(nodes.data ?? []);
  const progress = partitionProgress(job, state.data.executions, regions);
  const current = state.data.executions.filter((e) => e.JobVersion === job.Version)
      .sort((a, b) => a.PartitionIndex - b.PartitionIndex || a.Attempt - b.Attempt);
  const stop = async () => {
    try {
      await api(`${jobsPath}/${enc(job.ID)}?reason=${enc('stopped from the console')}`, {method: 'DELETE'});
      state.reload();
    } catch (e) { setActionError(e); }
  };
  const rerun = async () => {
    try {
      const answer = await api(jobsPath, {method: 'PUT', body: {Job: specOf(job), Force: true}});
      setNotice(`Version ${answer.JobVersion} submitted.`);
      state.reload();
    } catch (e) { setActionError(e); }
  };
  const union = results.data ? unionOf(results.data) : null;
  const engine = job.Tasks?.[0]?.Engine?.Type;
  const original = job.Tasks?.[0]?.OriginalEngine;
  const columns = [
    {label: 'Partition', numeric: true, render: (e) => e.PartitionIndex},
    {label: 'Attempt', numeric: true, render: (e) => e.Attempt},
    {label: 'Execution', render: (e) => html`<span class="mono" title=${e.ID}>${shortId(e.ID)}</span>`},
    {label: 'Node', render: (e) => html`<span class="mono">${e.NodeID}</span>`},
    {label: 'Region', render: (e) => regions[e.NodeID] ?? ''},
    {label: 'State', render: (e) => html`<${State} state=${e.ComputeState.StateType} />${
      e.Stats?.Progress >= 0 ? html` <${Bar} fraction=${e.Stats.Progress} />` : ''}`},
    {label: 'Phases', render: (e) => html`<${Phases} stats=${e.Stats} />`},
    {label: 'Read', numeric: true, render: (e) => html`<${Bytes} n=${e.Stats?.BytesRead} />`},
    {label: 'Rows read', numeric: true, render: (e) => (e.Stats?.RowsRead ?? 0).toLocaleString('en-US')},
    {label: 'Result rows', numeric: true, render: (e) => (e.Stats?.ResultRows ?? 0).toLocaleString('en-US')},
    {label: 'Error', render: (e) => html`<span class="error-text">${e.RunOutput?.ErrorMsg ?? ''}</span>`},
  ];
  return html`<h1>${job.Name || shortId(job.ID)} <${State} state=${job.State.StateType} /></h1>
    <${ErrorBox} error=${state.error ?? actionError} />
    ${notice && html`<p class="notice">${notice}</p>`}
    <div class="actions">
      <button onClick=${stop} disabled=${ended} data-testid="stop">Stop</button>
      <button onClick=${rerun} class="quiet" data-testid="rerun">Re-run</button>
    </div>
    <dl class="facts">
      <dt>ID</dt><dd class="mono" data-testid="job-id">${job.ID}</dd>
      <dt>Type</dt><dd>${job.Type}, count ${job.Count}</dd>
      <dt>Namespace</dt><dd>${job.Namespace}</dd>
      <dt>Version</dt><dd>${job.Version}</dd>
      <dt>Engine</dt><dd>${engine}${original ? ` (written as ${original.Type} ${original.Params?.Image ?? ''})` : ''}</dd>
      <dt>Created</dt><dd><${Ago} ns=${job.CreateTime} now=${now} /></dd>
      ${job.State.Message && html`<dt>State</dt><dd>${job.State.Message}</dd>`}
      <dt>Progress</dt><dd><${Bar} fraction=${progress.fraction} state=${job.State.StateType} />
        ${' '}${progress.done}/${progress.total} done${progress.running ? `, ${progress.running} running` : ''}${
        progress.failed ? `, ${progress.failed} failed` : ''}</dd>
    </dl>
    <h2>Executions (version ${job.Version})</h2>
    <${Table} columns=${columns} rows=${current} rowKey=${(e) => e.ID} testId="executions" />
    ${job.State.StateType === 'Completed' && html`<h2>Result</h2>
      <${ErrorBox} error=${results.error} />
      ${union ? html`<button class="quiet" data-testid="download-csv"
          onClick=${() => download(`${job.Name || job.ID}.csv`, resultCsv(union))}>Download CSV</button>
        <${ResultTable} result=${union} testId="result" />`
        : results.data?.map((r) => html`<h3>Partition ${r.partition} on ${r.node}</h3><${ResultTable} result=${r.table} />`)}`}
    <h2>History</h2>
    <${History} jobId=${job.ID} live=${!ended} />
    <h2>Logs</h2>
    <${Logs} jobId=${job.ID} live=${!ended} />
    <h2>Spec</h2>
    <pre class="spec" data-testid="spec">${toYaml(specOf(job))}</pre>`;
}
