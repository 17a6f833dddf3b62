// Cluster: the regions side by side, each with its nodes (connection, approval, last heartbeat,
// executions against capacity), its store, and what queries scanned there and shipped out of it
// over the last hour; a pending node can be approved or rejected here.
import {html, useState} from '../vendor/preact-htm.js';

import {api, enc, nodesPath} from '../api.js';
import {Ago, Bytes, ErrorBox, State, Table} from '../components.js';
import {nodesByRegion} from '../format.js';
import {useNow, usePoll} from '../hooks.js';

// The report's days (the last hour can span two) added up per region.
function sumByRegion(items) {
  const sums = {};
  for (const item of items) {
    const sum = (sums[item.Region] ??= {BytesScanned: 0, LeftBytes: 0});
    sum.BytesScanned += item.BytesScanned;
    sum.LeftBytes += item.LeftBytes;
  }
  return sums;
}

function StoreOf({nodes}) {
  const locations = new Set();
  for (const n of nodes) {
    for (const s of n.Stores ?? []) if (s.Name === 'storage-local') locations.add(s.Location);
  }
  return html`<span class="mono">${[...locations].join(', ') || 'none reported'}</span>`;
}

function RegionCard({region, nodes, residency, now, onMembership}) {
  const connected = nodes.filter((n) => n.Connection === 'CONNECTED').length;
  const columns = [
    {label: 'Node', render: (n) => html`<span class="mono">${n.ID}</span>`},
    {label: 'Connection', render: (n) => html`<${State} state=${n.Connection === 'CONNECTED' ? 'Connected' : 'Lost'} />`},
    {label: 'Approval', render: (n) => n.Membership === 'PENDING'
      ? html`<span class="actions">
          <button data-testid=${`approve-${n.ID}`} onClick=${() => onMembership(n.ID, 'approve')}>Approve</button>
          <button class="quiet" onClick=${() => onMembership(n.ID, 'reject')}>Reject</button></span>`
      : html`<${State} state=${n.Membership === 'APPROVED' ? 'Approved' : 'Rejected'} />`},
    {label: 'Last heartbeat', render: (n) => html`<${Ago} ns=${n.LastHeartbeat} now=${now} />`},
    {label: 'Running', numeric: true,
     render: (n) => `${n.ActiveExecutions ?? 0} / ${n.Capacity?.MaxExecutions || '∞'}`},
  ];
  return html`<section class="card region" data-testid=${`region-${region}`}>
    <h2>${region}</h2>
    <dl class="facts">
      <dt>Nodes</dt><dd>${connected} of ${nodes.length} connected</dd>
      <dt>Store</dt><dd><${StoreOf} nodes=${nodes} /></dd>
      <dt>Scanned, last hour</dt><dd class="num"><${Bytes} n=${residency?.BytesScanned ?? 0} /></dd>
      <dt>Left the region, last hour</dt><dd class="num"><${Bytes} n=${residency?.LeftBytes ?? 0} /></dd>
    </dl>
    <${Table} columns=${columns} rows=${nodes} rowKey=${(n) => n.ID} testId=${`nodes-${region}`} />
  </section>`;
}

export function ClusterPage() {
  const now = useNow();
  const [actionError, setActionError] = useState();
  const nodes = usePoll(() => api(nodesPath).then((r) => r.Items), 2000);
  const lastHour = usePoll(() => api('/api/v1/residency?hours=1').then((r) => r.Items), 5000);
  const membership = async (id, verb) => {
    try {
      await api(`${nodesPath}/${enc(id)}/${verb}`, {method: 'POST'});
      setActionError(undefined);
      nodes.reload();
    } catch (e) {
      setActionError(e);
    }
  };
  const residency = sumByRegion(lastHour.data ?? []);
  const groups = nodesByRegion(nodes.data ?? []);
  return html`<h1>Cluster</h1>
    <p class="muted">Scanned and left the region: by queries and jobs; the${' '}
      <a href="#/residency">Residency</a> page has every day.</p>
    <${ErrorBox} error=${nodes.error ?? actionError} />
    ${nodes.data && !groups.length && html`<p class="empty">No node has registered yet.</p>`}
    <div class="regions">${groups.map(([region, regionNodes]) => html`<${RegionCard} key=${region}
      region=${region} nodes=${regionNodes} residency=${residency[region]} now=${now}
      onMembership=${membership} />`)}</div>`;
}
