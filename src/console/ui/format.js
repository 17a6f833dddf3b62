// Pure helpers of the console: units, times, ids and the sums its pages show. No DOM, no
// network: ui_tests/format.test.mjs tests them with `node --test`.

const BYTE_UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];

// 1234567 -> "1.2 MB" (powers of 1000, as the CLI prints them).
export function formatBytes(bytes) {
  if (bytes == null || Number.isNaN(bytes)) return '';
  let value = Number(bytes);
  let unit = 0;
  while (Math.abs(value) >= 1000 && unit < BYTE_UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${BYTE_UNITS[unit]}`;
}

// 12345 -> "12.3K".
export function formatCount(count) {
  if (count == null) return '';
  const units = ['', 'K', 'M', 'B', 'T'];
  let value = Number(count);
  let unit = 0;
  while (Math.abs(value) >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return unit === 0 ? String(value) : `${value.toFixed(1)}${units[unit]}`;
}

// 850 -> "850 ms", 12500 -> "12.5 s", 185000 -> "3 min 5 s", 7260000 -> "2 h 1 min".
export function formatDuration(ms) {
  if (ms == null || ms < 0) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.floor(ms / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
}

// A model timestamp (ns since the Unix epoch) as "3 s ago", "5 min ago", "2 h ago", "4 d ago";
// "in 3 s" for the future; "never" for 0.
export function relativeTime(unixNanos, nowMs = Date.now()) {
  if (!unixNanos) return 'never';
  const deltaS = Math.round((nowMs - unixNanos / 1e6) / 1000);
  const ago = deltaS >= 0;
  const s = Math.abs(deltaS);
  let text;
  if (s < 60) text = `${s} s`;
  else if (s < 3600) text = `${Math.floor(s / 60)} min`;
  else if (s < 86400) text = `${Math.floor(s / 3600)} h`;
  else text = `${Math.floor(s / 86400)} d`;
  return ago ? `${text} ago` : `in ${text}`;
}

// A model timestamp as local ISO-like text, "2026-12-07 14:03:05".
export function absoluteTime(unixNanos) {
  if (!unixNanos) return '';
  const d = new Date(unixNanos / 1e6);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
      `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

// "j-1234abcd-..." -> "j-1234abcd", as the CLI's tables show ids.
export function shortId(id) {
  if (!id) return '';
  const dash = id.indexOf('-');
  return dash < 0 ? id : id.slice(0, dash + 9);
}

const TERMINAL_JOB_STATES = new Set(['Completed', 'Failed', 'Stopped']);
export function isTerminalJob(state) { return TERMINAL_JOB_STATES.has(state); }

// Partitions of a job's current version by their latest attempt, as `shoal job run`'s progress
// line counts them: {total, done, running, failed, fraction (0..1, capped at 0.99 while the job
// runs), byRegion: {region: {total, done, running, failed}}, bytesRead, rowsRead}.
export function partitionProgress(job, executions, nodeRegions = {}) {
  const perNode = job.Type === 'ops';
  const latest = new Map();
  let bytesRead = 0;
  let rowsRead = 0;
  for (const e of executions) {
    if (e.JobVersion !== job.Version) continue;
    bytesRead += e.Stats?.BytesRead ?? 0;
    rowsRead += e.Stats?.RowsRead ?? 0;
    const slot = perNode ? e.NodeID : String(e.PartitionIndex);
    const kept = latest.get(slot);
    if (!kept || e.Attempt > kept.Attempt) latest.set(slot, e);
  }
  const counts = () => ({total: 0, done: 0, running: 0, failed: 0});
  const overall = counts();
  const byRegion = {};
  let finished = 0;
  for (const e of latest.values()) {
    const state = e.ComputeState?.StateType;
    const region = nodeRegions[e.NodeID];
    const targets = region ? [overall, (byRegion[region] ??= counts())] : [overall];
    for (const c of targets) {
      c.total += 1;
      if (state === 'Completed') c.done += 1;
      else if (state === 'Failed') c.failed += 1;
      else if (state !== 'Cancelled') c.running += 1;
    }
    if (state === 'Completed' || state === 'Publishing') finished += 1;
    else if (state === 'Running' && (e.Stats?.Progress ?? -1) > 0) finished += Math.min(e.Stats.Progress, 1);
  }
  if (!perNode && job.Count > latest.size) overall.total += job.Count - latest.size;
  let fraction = overall.total > 0 ? finished / overall.total : 0;
  if (isTerminalJob(job.State?.StateType)) fraction = job.State.StateType === 'Completed' ? 1 : fraction;
  else fraction = Math.min(fraction, 0.99);
  return {...overall, fraction, byRegion, bytesRead, rowsRead};
}

// Node id -> its region label ("" when it has none).
export function nodeRegions(nodes) {
  const regions = {};
  for (const n of nodes) regions[n.ID] = n.Labels?.region ?? '';
  return regions;
}

// Nodes grouped by region, regions in name order ("(no region)" last), nodes by id.
export function nodesByRegion(nodes) {
  const groups = new Map();
  for (const n of [...nodes].sort((a, b) => a.ID.localeCompare(b.ID))) {
    const region = n.Labels?.region || '(no region)';
    if (!groups.has(region)) groups.set(region, []);
    groups.get(region).push(n);
  }
  return [...groups.entries()].sort(([a], [b]) =>
    (a === '(no region)') - (b === '(no region)') || a.localeCompare(b));
}

// A result.json ({Columns, Rows}) as CSV text (RFC 4180: fields with a comma, quote or line
// break quoted, quotes doubled; NULL empty; nested values as JSON).
export function resultCsv(result) {
  const field = (v) => {
    if (v == null) return '';
    const text = typeof v === 'object' ? JSON.stringify(v) : String(v);
    return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  const lines = [result.Columns.map((c) => field(c.Name)).join(',')];
  for (const row of result.Rows) lines.push(row.map(field).join(','));
  return lines.join('\n') + '\n';
}

// A JSON value as YAML (block style; multi-line strings as `|` blocks; strings that YAML would
// read as something else are quoted), for showing a job's spec as it could be written.
export function toYaml(value, indent = '') {
  const scalar = (v) => {
    if (v === null || v === undefined) return 'null';
    if (typeof v !== 'string') return String(v);
    const plain = /^[A-Za-z0-9_./@:+-][A-Za-z0-9_ ./@:+()-]*$/.test(v) && !/[:\s]$/.test(v) &&
        !/^(true|false|null|yes|no|on|off|~|[-+]?[0-9.]+(e[-+]?[0-9]+)?)$/i.test(v) && !/: /.test(v);
    return plain ? v : JSON.stringify(v);
  };
  const isEmpty = (v) => (Array.isArray(v) ? v.length === 0 : Object.keys(v).length === 0);
  if (Array.isArray(value) || (value && typeof value === 'object')) {
    if (isEmpty(value)) return Array.isArray(value) ? '[]' : '{}';
  } else {
    return scalar(value);
  }
  const lines = [];
  const entries = Array.isArray(value) ? value.map((v) => [null, v]) : Object.entries(value);
  for (const [key, v] of entries) {
    const head = key === null ? `${indent}- ` : `${indent}${scalar(key)}:`;
    const childIndent = indent + '  ';
    if (typeof v === 'string' && v.includes('\n')) {
      const body = v.replace(/\n$/, '').split('\n').map((l) => (l ? childIndent + l : '')).join('\n');
      lines.push(`${head}${key === null ? '' : ' '}|${v.endsWith('\n') ? '' : '-'}\n${body}`);
    } else if (v && typeof v === 'object' && !isEmpty(v)) {
      if (key === null) {
        lines.push(`${head}${toYaml(v, childIndent).trimStart()}`);
      } else {
        lines.push(`${head}\n${toYaml(v, childIndent)}`);
      }
    } else {
      lines.push(`${head}${key === null ? '' : ' '}${toYaml(v, childIndent)}`);
    }
  }
  return lines.join('\n');
}

// The template variables a job file uses ({{.Region}}, {{- .Events -}}), in first-use order.
export function templateVariables(text) {
  const names = [];
  for (const match of text.matchAll(/\{\{-?\s*\.([A-Za-z_][A-Za-z0-9_]*)\s*-?\}\}/g)) {
    if (!names.includes(match[1])) names.push(match[1]);
  }
  return names;
}
