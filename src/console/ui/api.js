// The console's calls to the orchestrator's API (docs/api.md): the client token from
// sessionStorage as `Authorization: Bearer` (never in a URL or a cookie); a 401 forgets it and
// tells the app to ask again.

const TOKEN_KEY = 'shoal.token';
const listeners = new Set();

export function token() { return sessionStorage.getItem(TOKEN_KEY) ?? ''; }
export function setToken(value) { sessionStorage.setItem(TOKEN_KEY, value); notify(); }
// Why the token was last forgotten ('' when it was not), for the prompt that asks again.
export let refusal = '';
export function forgetToken(reason = '') {
  refusal = reason;
  sessionStorage.removeItem(TOKEN_KEY);
  notify();
}
// `listener()` runs whenever the token is set or forgotten.
export function onTokenChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
function notify() { for (const listener of listeners) listener(); }

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// Calls the API: `path` under the orchestrator (e.g. '/api/v1/orchestrator/jobs'); JSON in and
// out unless `raw` (then the Response's text). Errors are ApiErrors with the server's message.
// `withToken` tries a token that is not stored yet (a refusal then forgets nothing).
export async function api(path, {method = 'GET', body, raw = false, signal, withToken} = {}) {
  const headers = {Authorization: `Bearer ${withToken ?? token()}`};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, {
    method, headers, signal, body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'omit', cache: 'no-store',
  });
  if (response.status === 401) {
    if (withToken === undefined && token()) forgetToken('The orchestrator refused the token.');
    throw new ApiError(401, 'the orchestrator refused the token');
  }
  const text = await response.text();
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      message = JSON.parse(text).Error?.Message ?? message;
    } catch {
      // not JSON: keep the status line
    }
    throw new ApiError(response.status, message);
  }
  return raw ? text : JSON.parse(text);
}

export const jobsPath = '/api/v1/orchestrator/jobs';
export const nodesPath = '/api/v1/orchestrator/nodes';
export const queriesPath = '/api/v1/queries';
export const enc = encodeURIComponent;
