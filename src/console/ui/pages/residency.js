// Residency: per region and UTC day, what was scanned there and what left the region, by class:
// query partials (aggregates, values, rows) and job results uploaded to the orchestrator
// (GET /api/v1/residency, from the orchestrator's records).
import {html, useState} from '../vendor/preact-htm.js';

import {api} from '../api.js';
import {Bytes, ErrorBox, Table} from '../components.js';
import {usePoll} from '../hooks.js';

export const CLASSES = ['aggregates', 'values', 'rows', 'results'];

export function ResidencyPage() {
  const [days, setDays] = useState(30);
  const report = usePoll(() => api(`/api/v1/residency?days=${days}`), 5000, [days]);
  const columns = [
    {label: 'Day (UTC)', key: 'Day'},
    {label: 'Region', key: 'Region'},
    {label: 'Queries', numeric: true, key: 'Queries'},
    {label: 'Job executions', numeric: true, key: 'JobExecutions'},
    {label: 'Scanned', numeric: true, render: (r) => html`<${Bytes} n=${r.BytesScanned} />`},
    {label: 'Left the region', numeric: true, render: (r) => html`<${Bytes} n=${r.LeftBytes} />`},
    ...CLASSES.map((c) => ({label: `as ${c}`, numeric: true,
                            render: (r) => html`<${Bytes} n=${r.LeftBytesByClass[c]} />`})),
    {label: 'Rows that left', numeric: true, render: (r) => r.LeftRows.toLocaleString('en-US')},
    {label: 'Left / scanned', numeric: true,
     render: (r) => (r.BytesScanned ? (r.LeftBytes / r.BytesScanned).toPrecision(2) : '—')},
  ];
  return html`<h1>Residency</h1>
    <p class="muted">What was scanned in each region and what of it left the region:
      query partials by how they were shipped (<b>aggregates</b>, <b>values</b>, or <b>rows</b>
      with "allow rows") and <b>results</b> of jobs uploaded to the orchestrator. Results a job
      wrote to its region's store stayed there.</p>
    <div class="filters"><label>Days <select value=${days} onChange=${(e) => setDays(Number(e.target.value))}>
      ${[1, 7, 30, 90, 366].map((d) => html`<option value=${d}>${d}</option>`)}</select></label></div>
    <${ErrorBox} error=${report.error} />
    <${Table} columns=${columns} rows=${report.data?.Items ?? []} rowKey=${(r) => `${r.Day}|${r.Region}`}
      empty="Nothing was scanned in these days." testId="residency" />`;
}
