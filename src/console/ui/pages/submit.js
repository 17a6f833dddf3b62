// Submit: paste or upload a job file, fill its template variables, have the orchestrator check
// it (problems with their lines, as `shoal job run` prints them), dry-run it, submit it.
import {html, useState} from '../vendor/preact-htm.js';

import {api, enc, jobsPath} from '../api.js';
import {templateVariables, toYaml} from '../format.js';

const EXAMPLE = `Name: revenue-{{.Region}}
Type: batch
Count: 2
Constraints:
  - {Key: region, Operator: "==", Values: ["{{.Region}}"]}
Tasks:
  - Name: main
    Engine:
      Type: duckdb
      Params:
        SQL: |
          SET VARIABLE files = (SELECT list(file) FROM partition_by_hash('s3://my-bucket/transactions/**/*.jsonl'));
          SELECT count(*) AS events FROM read_json_auto(getvariable('files'));
`;

export function SubmitPage() {
  const [text, setText] = useState(EXAMPLE);
  const [vars, setVars] = useState({Region: 'us'});
  const [force, setForce] = useState(false);
  const [outcome, setOutcome] = useState(null);  // {kind: 'problems'|'dry-run'|'submitted', ...}
  const [busy, setBusy] = useState(false);
  const names = templateVariables(text);

  const parse = async () => {
    const values = {};
    for (const name of names) values[name] = vars[name] ?? '';
    return api(`${jobsPath}/parse`, {method: 'POST', body: {Spec: text, Vars: values}});
  };
  const run = (dryRun) => async (event) => {
    event.preventDefault();
    setBusy(true);
    try {
      const parsed = await parse();
      const answer = await api(jobsPath, {method: 'PUT', body: {Job: parsed.Job, Force: force, DryRun: dryRun}});
      const warnings = [...parsed.Warnings, ...(answer.Warnings ?? [])];
      if (dryRun) {
        setOutcome({kind: 'dry-run', job: parsed.Job, warnings});
      } else {
        location.hash = `#/jobs/${enc(answer.JobID)}`;
      }
    } catch (e) {
      setOutcome({kind: 'problems', message: e.message});
    } finally {
      setBusy(false);
    }
  };
  const upload = (event) => {
    const file = event.target.files[0];
    if (!file) return;
    file.text().then(setText);
  };
  return html`<h1>Submit a job</h1>
    <form class="submit-form" onSubmit=${run(false)}>
      <label>Job file (YAML, Bacalhau's format; docs/jobspec.md)
        <textarea value=${text} onInput=${(e) => setText(e.target.value)} rows="16" spellcheck="false"
          data-testid="spec-text"></textarea></label>
      <label>Or upload one <input type="file" accept=".yaml,.yml,.json" onChange=${upload} /></label>
      ${names.length > 0 && html`<fieldset><legend>Template variables</legend>
        ${names.map((name) => html`<label>${name} <input value=${vars[name] ?? ''} data-testid=${`var-${name}`}
          onInput=${(e) => setVars({...vars, [name]: e.target.value})} /></label>`)}</fieldset>`}
      <label class="check"><input type="checkbox" checked=${force} onChange=${(e) => setForce(e.target.checked)} />
        run again even if it equals the job's current version (force)</label>
      <div class="actions">
        <button type="button" class="quiet" disabled=${busy} onClick=${run(true)} data-testid="dry-run">Validate (dry run)</button>
        <button type="submit" disabled=${busy} data-testid="submit">Submit</button>
      </div>
    </form>
    ${outcome?.kind === 'problems' && html`<pre class="error" role="alert" data-testid="problems">${outcome.message}</pre>`}
    ${outcome?.kind === 'dry-run' && html`<section class="card"><h2>The job would be</h2>
      ${outcome.warnings.map((w) => html`<p class="notice">${w}</p>`)}
      <pre class="spec" data-testid="dry-run-job">${toYaml(outcome.job)}</pre></section>`}`;
}
