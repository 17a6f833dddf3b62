// The Shoal console: asks once for the client token, then shows the cluster, jobs, queries and
// residency pages, routed by the URL's hash (#/jobs/ID) so the server serves one page.
import {html, render, useEffect, useState} from './vendor/preact-htm.js';

import {api, onTokenChange, refusal, setToken, token} from './api.js';
import {ClusterPage} from './pages/cluster.js';
import {JobPage} from './pages/job.js';
import {JobsPage} from './pages/jobs.js';
import {QueryPage} from './pages/query.js';
import {ResidencyPage} from './pages/residency.js';
import {SubmitPage} from './pages/submit.js';

const PAGES = [
  ['cluster', 'Cluster'], ['jobs', 'Jobs'], ['submit', 'Submit'], ['query', 'Query'],
  ['residency', 'Residency'],
];

function parseHash() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  return {page: parts[0] || 'cluster', arg: parts[1] ?? ''};
}

function useRoute() {
  const [route, setRoute] = useState(parseHash());
  useEffect(() => {
    const changed = () => setRoute(parseHash());
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return route;
}

function TokenPrompt() {
  const [value, setValue] = useState('');
  const [error, setError] = useState(refusal);
  const submit = async (event) => {
    event.preventDefault();
    const candidate = value.trim();
    try {
      await api('/api/v1/orchestrator/nodes', {withToken: candidate});  // needs the token
      setToken(candidate);
    } catch (e) {
      setError(e.status === 401 ? 'The orchestrator refused this token.' : e.message);
    }
  };
  return html`<main class="prompt">
    <h1>Shoal</h1>
    <form onSubmit=${submit} data-testid="token-form">
      <label for="token">Client token</label>
      <p class="muted">The orchestrator's client token (<code>shoal devstack</code> writes it to
        <code>client.token</code> in its folder). Kept in this tab only.</p>
      <input id="token" type="password" autocomplete="off" value=${value}
        onInput=${(e) => setValue(e.target.value)} required autofocus />
      <button type="submit">Open the console</button>
      ${error && html`<p class="error" role="alert">${error}</p>`}
    </form></main>`;
}

function useTheme() {
  const stored = localStorage.getItem('shoal.theme');
  const [theme, setTheme] = useState(stored ?? (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'));
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    localStorage.setItem('shoal.theme', theme);
  }, [theme]);
  return [theme, () => setTheme(theme === 'dark' ? 'light' : 'dark')];
}

function App() {
  const [hasToken, setHasToken] = useState(Boolean(token()));
  const [version, setVersion] = useState('');
  const [theme, toggleTheme] = useTheme();
  const route = useRoute();
  useEffect(() => onTokenChange(() => setHasToken(Boolean(token()))), []);
  useEffect(() => {
    if (hasToken) api('/api/v1/agent/version').then((v) => setVersion(v.Version)).catch(() => {});
  }, [hasToken]);
  if (!hasToken) return html`<${TokenPrompt} />`;
  let page;
  switch (route.page) {
    case 'jobs': page = route.arg ? html`<${JobPage} id=${route.arg} />` : html`<${JobsPage} />`; break;
    case 'submit': page = html`<${SubmitPage} />`; break;
    case 'query': page = html`<${QueryPage} />`; break;
    case 'residency': page = html`<${ResidencyPage} />`; break;
    default: page = html`<${ClusterPage} />`;
  }
  return html`<header class="top">
      <a class="brand" href="#/cluster">Shoal</a>
      <nav>${PAGES.map(([key, label]) => html`<a href=${`#/${key}`}
        class=${route.page === key ? 'active' : ''}>${label}</a>`)}</nav>
      <span class="spacer"></span>
      <span class="muted">${version && `v${version}`}</span>
      <button class="quiet" onClick=${toggleTheme} title="Dark or light">${theme === 'dark' ? 'Light' : 'Dark'}</button>
    </header>
    <main>${page}</main>`;
}

render(html`<${App} />`, document.getElementById('app'));
