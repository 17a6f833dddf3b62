// Small building blocks the pages share: tables with right-aligned numbers, times, bars, errors.
import {html} from './vendor/preact-htm.js';

import {absoluteTime, formatBytes, relativeTime} from './format.js';

// A table: `columns` [{key, label, numeric, render(row)}], `rows` objects; `rowKey(row)`.
export function Table({columns, rows, rowKey, empty = 'nothing yet', testId}) {
  if (!rows?.length) return html`<p class="empty" data-testid=${testId}>${empty}</p>`;
  return html`<div class="table-wrap"><table data-testid=${testId}>
    <thead><tr>${columns.map((c) => html`<th class=${c.numeric ? 'num' : ''}>${c.label}</th>`)}</tr></thead>
    <tbody>${rows.map((row, i) => html`<tr key=${rowKey ? rowKey(row) : i}>
      ${columns.map((c) => html`<td class=${c.numeric ? 'num' : ''}>${c.render ? c.render(row) : row[c.key]}</td>`)}
    </tr>`)}</tbody>
  </table></div>`;
}

// "3 s ago", the absolute time on hover.
export function Ago({ns, now}) {
  return html`<time title=${absoluteTime(ns)}>${relativeTime(ns, now)}</time>`;
}

export function Bytes({n}) { return html`<span title=${`${n ?? 0} bytes`}>${formatBytes(n ?? 0)}</span>`; }

// A progress bar, 0..1, with its percentage.
export function Bar({fraction, state}) {
  const percent = Math.floor((fraction ?? 0) * 100);
  return html`<span class="bar" data-state=${state} title=${`${percent}%`}>
    <span class="bar-fill" style=${{width: `${percent}%`}}></span>
    <span class="bar-text">${percent}%</span></span>`;
}

export function State({state}) {
  return html`<span class=${`state state-${(state ?? '').toLowerCase()}`}>${state}</span>`;
}

export function ErrorBox({error}) {
  if (!error) return null;
  return html`<div class="error" role="alert">${error.message ?? String(error)}</div>`;
}

// A result.json as a table, numbers right-aligned as DuckDB wrote them.
export function ResultTable({result, limit = 200, testId}) {
  if (!result) return null;
  const rows = result.Rows.slice(0, limit);
  return html`<div class="table-wrap"><table class="result" data-testid=${testId}>
    <thead><tr>${result.Columns.map((c) => html`<th class=${c.Numeric ? 'num' : ''} title=${c.Type}>${c.Name}</th>`)}</tr></thead>
    <tbody>${rows.map((row) => html`<tr>${row.map((v, i) => html`<td class=${result.Columns[i].Numeric ? 'num' : ''}>
      ${v === null ? html`<span class="null">NULL</span>` : typeof v === 'object' ? JSON.stringify(v) : String(v)}</td>`)}</tr>`)}
    </tbody></table></div>
    <p class="muted">${result.Rows.length} rows${result.Rows.length > limit ? `, first ${limit} shown` : ''}</p>`;
}

// Offers `text` as a file download (no navigation, no token in a URL).
export function download(name, text, type = 'text/csv') {
  const url = URL.createObjectURL(new Blob([text], {type}));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
