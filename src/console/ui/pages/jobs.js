// Jobs: newest first, filtered by state, namespace and name (on the server, so paging stays
// right), each with its partitions done/running/failed and a progress bar; page by page. One API
// request every 2 s whatever the page shows (bench/console measures what it costs).
import {html, useState} from '../vendor/preact-htm.js';

import {api, enc, jobsPath} from '../api.js';
import {Ago, Bar, ErrorBox, State, Table} from '../components.js';
import {shortId} from '../format.js';
import {useNow, usePoll} from '../hooks.js';

const STATES = ['', 'Pending', 'Queued', 'Running', 'Completed', 'Failed', 'Stopped'];
const PAGE_SIZE = 50;

// One page of jobs, each with its partitions counted by the orchestrator (one request a poll).
async function loadPage(filters, token) {
  const params = new URLSearchParams({limit: String(PAGE_SIZE), partitions: 'true'});
  if (filters.state) params.set('state', filters.state);
  if (filters.namespace) params.set('namespace', filters.namespace);
  if (filters.name) params.set('name', filters.name);
  if (token) params.set('next_token', token);
  const page = await api(`${jobsPath}?${params}`);
  return {jobs: page.Items, next: page.NextToken};
}

function Partitions({partitions: p}) {
  const parts = [`${p.Done}/${p.Total} done`];
  if (p.Running) parts.push(`${p.Running} running`);
  if (p.Failed) parts.push(`${p.Failed} failed`);
  return parts.join(', ');
}

export function JobsPage() {
  const now = useNow();
  const [filters, setFilters] = useState({state: '', namespace: '', name: ''});
  const [tokens, setTokens] = useState(['']);  // the next_token of each page seen so far
  const pageToken = tokens[tokens.length - 1];
  const page = usePoll(() => loadPage(filters, pageToken), 2000,
                       [filters.state, filters.namespace, filters.name, pageToken]);
  const set = (key) => (e) => {
    setFilters({...filters, [key]: e.target.value});
    setTokens(['']);
  };
  const data = page.data;
  const columns = [
    {label: 'ID', render: (j) => html`<a class="mono" href=${`#/jobs/${enc(j.ID)}`}>${shortId(j.ID)}</a>`},
    {label: 'Name', key: 'Name'},
    {label: 'Namespace', key: 'Namespace'},
    {label: 'Type', key: 'Type'},
    {label: 'State', render: (j) => html`<${State} state=${j.State.StateType} />`},
    {label: 'Partitions', render: (j) => html`<${Partitions} partitions=${j.Partitions} />`},
    {label: 'Progress', render: (j) => html`<${Bar} state=${j.State.StateType} fraction=${j.Partitions.Progress} />`},
    {label: 'Created', render: (j) => html`<${Ago} ns=${j.CreateTime} now=${now} />`},
  ];
  return html`<h1>Jobs</h1>
    <form class="filters" onSubmit=${(e) => e.preventDefault()}>
      <label>State <select value=${filters.state} onChange=${set('state')} data-testid="filter-state">
        ${STATES.map((s) => html`<option value=${s}>${s || 'any'}</option>`)}</select></label>
      <label>Namespace <input value=${filters.namespace} onChange=${set('namespace')} placeholder="any" /></label>
      <label>Name <input value=${filters.name} onChange=${set('name')} placeholder="contains" data-testid="filter-name" /></label>
    </form>
    <${ErrorBox} error=${page.error} />
    ${data && html`<${Table} columns=${columns} rows=${data.jobs} rowKey=${(j) => j.ID}
        empty="No job matches." testId="jobs-table" />
      <div class="pager">
        <button class="quiet" disabled=${tokens.length === 1} onClick=${() => setTokens(tokens.slice(0, -1))}>Newer</button>
        <span class="muted">page ${tokens.length}</span>
        <button class="quiet" disabled=${!data.next} onClick=${() => setTokens([...tokens, data.next])}>Older</button>
      </div>`}`;
}
