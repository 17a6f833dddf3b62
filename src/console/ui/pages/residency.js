// Residency: per region and day, what queries scanned there and what left the region, by class
// (aggregates, values, rows), from the orchestrator's query records.
import {html} from '../vendor/preact-htm.js';

import {api, queriesPath} from '../api.js';
import {Bytes, ErrorBox, Table} from '../components.js';
import {residencyByDay} from '../format.js';
import {usePoll} from '../hooks.js';

const CLASSES = ['aggregates', 'values', 'rows'];

export function ResidencyPage() {
  const queries = usePoll(() => api(`${queriesPath}?limit=1000`).then((r) => r.Items), 5000);
  const rows = residencyByDay(queries.data ?? []);
  const columns = [
    {label: 'Day (UTC)', key: 'day'},
    {label: 'Region', key: 'region'},
    {label: 'Queries', numeric: true, key: 'queries'},
    {label: 'Scanned', numeric: true, render: (r) => html`<${Bytes} n=${r.bytesScanned} />`},
    {label: 'Left the region', numeric: true, render: (r) => html`<${Bytes} n=${r.bytesShipped} />`},
    ...CLASSES.map((c) => ({label: `as ${c}`, numeric: true, render: (r) => html`<${Bytes} n=${r.byClass[c] ?? 0} />`})),
    {label: 'Rows that left', numeric: true, render: (r) => r.rowsShipped.toLocaleString('en-US')},
    {label: 'Left / scanned', numeric: true,
     render: (r) => (r.bytesScanned ? (r.bytesShipped / r.bytesScanned).toPrecision(2) : '—')},
  ];
  return html`<h1>Residency</h1>
    <p class="muted">What the last 1,000 completed queries scanned in each region and what of it
      left the region, by how it was shipped: <b>aggregates</b> (partial aggregate states),${' '}
      <b>values</b> (distinct keys or values) or <b>rows</b> (matching rows, only with "allow rows").</p>
    <${ErrorBox} error=${queries.error} />
    <${Table} columns=${columns} rows=${rows} rowKey=${(r) => `${r.day}|${r.region}`}
      empty="No query has completed yet." testId="residency" />`;
}
