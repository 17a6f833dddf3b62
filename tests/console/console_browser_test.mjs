// The web console in a real browser (Debian's chromium-headless-shell driven by puppeteer-core)
// against a real `shoal devstack` (us and eu, two nodes each, --require-approval) on a random
// port: a wrong token shows the prompt again and no data; with the right one, a node that joins
// from outside is approved on the Cluster page; a job submitted from the Submit page reaches
// Completed on the Jobs page, its partitions ran on distinct nodes of its region, and its result
// table equals `shoal job run --merge`; a query run from the Query page shows its answer and
// residency, and the Residency page's figures equal the API's. Any console error or failed
// request fails the test. Screenshots of every page go to SHOAL_SCREENSHOTS.
//
// Run by ctest (tests/CMakeLists.txt) with SHOAL_BINARY, SHOAL_SOURCE_ROOT, SHOAL_CHROMIUM,
// SHOAL_PUPPETEER (the puppeteer-core package folder) and SHOAL_SCREENSHOTS.
import assert from 'node:assert/strict';
import {execFileSync, spawn} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {pathToFileURL} from 'node:url';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (ctest sets it)`);
  return value;
};
const shoal = env('SHOAL_BINARY');
const sourceRoot = env('SHOAL_SOURCE_ROOT');
const screenshots = env('SHOAL_SCREENSHOTS');
const {default: puppeteer} = await import(
  pathToFileURL(path.join(env('SHOAL_PUPPETEER'), 'lib/esm/puppeteer/puppeteer-core.js')).href);
const {formatBytes} = await import(
  pathToFileURL(path.join(sourceRoot, 'src/console/ui/format.js')).href);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-console-'));
fs.mkdirSync(screenshots, {recursive: true});
const children = [];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Polls `check` until it returns something truthy; on timeout the error says what was last seen
// (`seen()`, when given).
async function waitFor(what, check, timeoutMs = 60000, seen = null) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${seen ? `; last seen: ${JSON.stringify(await seen())}` : ''}`);
    }
    await sleep(100);
  }
}

// A background process whose output goes to a log file in `dir`.
function start(name, args) {
  const log = path.join(dir, `${name}.log`);
  const child = spawn(shoal, args, {stdio: ['ignore', fs.openSync(log, 'w'), fs.openSync(log, 'a')]});
  children.push(child);
  return {child, log: () => fs.readFileSync(log, 'utf8')};
}

let port = 0;
let cliEnv = {};
function cli(args) {
  return execFileSync(shoal, args, {env: {...process.env, ...cliEnv}, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']});
}

const token = () => fs.readFileSync(path.join(dir, 'stack', 'client.token'), 'utf8').trim();
async function apiGet(p) {
  const response = await fetch(`http://127.0.0.1:${port}${p}`, {headers: {Authorization: `Bearer ${token()}`}});
  assert.equal(response.status, 200, `GET ${p}`);
  return response.json();
}

let browser;
let page;
let passed = false;
const problems = [];
let expectRefusals = false;  // while a wrong token is tried on purpose

async function shot(name) {
  await page.screenshot({path: path.join(screenshots, `${name}.png`), fullPage: true});
}
async function texts(selector) {
  return page.$$eval(selector, (nodes) => nodes.map((n) => n.textContent.trim()));
}
async function tableRows(selector) {
  return page.$$eval(`${selector} tbody tr`, (rows) =>
    rows.map((row) => [...row.querySelectorAll('td')].map((td) => td.textContent.trim())));
}
async function step(name, body) {
  process.stdout.write(`- ${name} ... `);
  const began = Date.now();
  try {
    await body();
  } catch (error) {
    console.log('FAILED');
    error.message = `${name}: ${error.message}`;
    throw error;
  }
  console.log(`ok (${Date.now() - began} ms)`);
}

let spec = '';  // the Submit page's own example job file, as submitted

try {
  await step('the devstack starts', async () => {
    const stack = start('devstack', ['devstack', '--dir', path.join(dir, 'stack'), '--port', '0',
                                     '--nodes-per-region', '2', '--require-approval']);
    const banner = await waitFor('the devstack banner', () => {
      const log = stack.log();
      return log.includes('Press Ctrl-C to stop.') && log.match(/orchestrator on 127\.0\.0\.1:(\d+)/);
    });
    port = Number(banner[1]);
    cliEnv = {SHOAL_API_HOST: '127.0.0.1', SHOAL_API_PORT: String(port),
              SHOAL_API_TOKEN_FILE: path.join(dir, 'stack', 'client.token')};
    for (const region of ['us', 'eu']) {
      cli(['job', 'run', '-V', `Region=${region}`, '-V', 'Events=300', '-V', 'StartDate=2024-01-01',
           '-V', 'EndDate=2024-06-30', '-V', 'RotateInterval=month',
           path.join(sourceRoot, 'jobs', 'data-generator.yaml')]);
    }
  });

  await step('the browser opens the console', async () => {
    browser = await puppeteer.launch({
      executablePath: env('SHOAL_CHROMIUM'), headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    });
    page = await browser.newPage();
    await page.setViewport({width: 1280, height: 800});
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      if (expectRefusals && message.text().includes('401')) return;
      problems.push(`console error: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('requestfailed', (request) => {
      // A poll cut short by the test's own reload is not a failure of the console.
      if (request.failure()?.errorText === 'net::ERR_ABORTED') return;
      problems.push(`request failed: ${request.url()} ${request.failure()?.errorText}`);
    });
    page.on('response', (response) => {
      if (response.status() < 400) return;
      if (expectRefusals && response.status() === 401) return;
      // The answer's body says why (an API error's message); kept for the failure report.
      const problem = `HTTP ${response.status()} for ${response.url()}`;
      problems.push(problem);
      response.text().then((body) => {
        const at = problems.indexOf(problem);
        if (at >= 0) problems[at] = `${problem}: ${body.slice(0, 500)}`;
      }, () => {});
    });
    const response = await page.goto(`http://127.0.0.1:${port}/`);
    assert.equal(response.status(), 200);
    assert.match(response.headers()['content-security-policy'], /script-src 'self'/);
    await page.waitForSelector('#token');
    await shot('token-prompt');
  });

  await step('a wrong token shows the prompt again and no data', async () => {
    expectRefusals = true;
    await page.type('#token', 'not-the-token');
    await page.click('[data-testid=token-form] button[type=submit]');
    await page.waitForSelector('[data-testid=token-form] .error');
    assert.match((await texts('[data-testid=token-form] .error'))[0], /refused/);
    assert.equal(await page.$('[data-testid=region-us]'), null);
    // A stored token that the orchestrator refuses (rotated at a restart) is forgotten too.
    await page.evaluate(() => {
      sessionStorage.setItem('shoal.token', 'stale-token');
      location.hash = '#/jobs';
    });
    await page.reload();
    await page.waitForSelector('[data-testid=token-form] .error');
    assert.equal(await page.$('[data-testid=jobs-table]'), null);
    assert.equal(await page.evaluate(() => sessionStorage.getItem('shoal.token')), null);
    expectRefusals = false;
  });

  await step('the right token opens the Cluster page with both regions', async () => {
    await page.click('#token', {clickCount: 3});
    await page.type('#token', token());
    await page.click('[data-testid=token-form] button[type=submit]');
    await page.goto(`http://127.0.0.1:${port}/ui/#/cluster`);
    for (const region of ['us', 'eu']) {
      await page.waitForSelector(`[data-testid=nodes-${region}]`);
      const rows = await tableRows(`[data-testid=nodes-${region}]`);
      assert.deepEqual(rows.map((r) => r[0]), [`compute-${region}-1`, `compute-${region}-2`]);
      for (const row of rows) assert.deepEqual(row.slice(1, 3), ['Connected', 'Approved']);
    }
  });

  await step('a node that joins from outside is approved on the Cluster page', async () => {
    cli(['node', 'token', 'issue', 'compute-us-9', '--tokens-file', path.join(dir, 'stack', 'node-tokens'),
         '--out', path.join(dir, 'us9.token')]);
    await sleep(1500);  // the orchestrator reads the tokens file again within a second
    start('compute-us-9', ['serve', '--compute', '--orchestrator', `127.0.0.1:${port}`,
                           '--name', 'compute-us-9', '--labels', 'region=us',
                           '--data-dir', path.join(dir, 'us9'), '--node-token-file', path.join(dir, 'us9.token'),
                           '--store', `storage-local=${path.join(dir, 'stack', 'storage', 'us')}`,
                           '--store', `storage=${path.join(dir, 'stack', 'storage', 'global')}`]);
    const approve = await page.waitForSelector('[data-testid=approve-compute-us-9]', {timeout: 30000});
    await shot('cluster-pending-node');
    await approve.click();
    await waitFor('compute-us-9 approved on the page', async () => {
      const rows = await tableRows('[data-testid=nodes-us]');
      return rows.find((r) => r[0] === 'compute-us-9')?.[2] === 'Approved';
    });
    const nodes = await apiGet('/api/v1/orchestrator/nodes');
    assert.equal(nodes.Items.find((n) => n.ID === 'compute-us-9').Membership, 'APPROVED');
  });

  let jobId;
  await step('a job submitted from the Submit page reaches Completed on the Jobs page', async () => {
    await page.goto(`http://127.0.0.1:${port}/ui/#/submit`);
    await page.waitForSelector('[data-testid=spec-text]');
    spec = await page.$eval('[data-testid=spec-text]', (area) => area.value);
    assert.match(spec, /\{\{\.Region\}\}/);
    const region = await page.waitForSelector('[data-testid=var-Region]');
    await region.click({clickCount: 3});
    await region.type('us');
    await page.click('[data-testid=dry-run]');
    await page.waitForSelector('[data-testid=dry-run-job]');
    assert.match((await texts('[data-testid=dry-run-job]'))[0], /Name: revenue-us/);
    await shot('submit');
    await page.click('[data-testid=submit]');
    await page.waitForFunction(() => location.hash.startsWith('#/jobs/j-'));
    jobId = decodeURIComponent(await page.evaluate(() => location.hash.slice('#/jobs/'.length)));
    await page.goto(`http://127.0.0.1:${port}/ui/#/jobs`);
    await waitFor('the job Completed on the Jobs page', async () => {
      const rows = await tableRows('[data-testid=jobs-table]');
      const row = rows.find((r) => r[1] === 'revenue-us');
      return row && row[4] === 'Completed' && row[5] === '2/2 done';
    }, 60000, () => tableRows('[data-testid=jobs-table]'));
    await shot('jobs');
  });

  await step('its detail shows partitions on distinct us nodes and the merged result', async () => {
    await page.goto(`http://127.0.0.1:${port}/ui/#/jobs/${encodeURIComponent(jobId)}`);
    await page.waitForSelector('[data-testid=result]');
    const executions = await tableRows('[data-testid=executions]');
    const completed = executions.filter((r) => r[5].startsWith('Completed'));
    assert.deepEqual(completed.map((r) => r[0]).sort(), ['0', '1']);
    assert.equal(new Set(completed.map((r) => r[3])).size, 2, 'two distinct nodes');
    for (const row of completed) assert.equal(row[4], 'us', `${row[3]} is in us`);
    const shown = (await tableRows('[data-testid=result]'))
        .map((r) => r.map((cell) => (cell === 'NULL' ? '' : cell)).join(',')).sort();
    const merged = cli(['job', 'run', '--force', '--merge', '--output', 'csv', '-V', 'Region=us',
                        writeSpec()]).trim().split('\n').slice(1).sort();
    assert.deepEqual(shown, merged);
    await shot('job-detail');
  });

  await step('a query from the Query page answers and shows its residency', async () => {
    await page.goto(`http://127.0.0.1:${port}/ui/#/query`);
    await page.waitForSelector('[data-testid=sql]');
    // Cleared with keys, as a user would: setting the DOM value left the page's state holding
    // the example, and a re-render between that and the typing (the page refreshes its list of
    // queries) put the example back before the typed SQL ("syntax error at or near SELECT").
    await page.focus('[data-testid=sql]');
    await page.keyboard.down('Control');
    await page.keyboard.press('KeyA');
    await page.keyboard.up('Control');
    await page.keyboard.press('Backspace');
    await page.type('[data-testid=sql]', 'SELECT payment_method, count(*) AS n FROM transactions GROUP BY ALL ORDER BY ALL');
    await page.click('[data-testid=run-query]');
    await page.waitForSelector('[data-testid=query-result]', {timeout: 60000});
    await page.waitForSelector('[data-testid=flow-us]');
    await page.waitForSelector('[data-testid=flow-eu]');
    const shown = (await tableRows('[data-testid=query-result]')).map((r) => r.map((c) => (c === 'NULL' ? '' : c)).join(','));
    const expected = cli(['query', '--output', 'csv', 'SELECT payment_method, count(*) AS n FROM transactions GROUP BY ALL ORDER BY ALL'])
        .trim().split('\n').slice(1);
    assert.deepEqual(shown, expected);
    await shot('query');
  });

  await step('the Residency page\'s figures equal the API\'s', async () => {
    await page.goto(`http://127.0.0.1:${port}/ui/#/residency`);
    await page.waitForSelector('[data-testid=residency] tbody tr');
    const report = (await apiGet('/api/v1/residency?days=30')).Items;
    const us = report.find((r) => r.Region === 'us');
    assert.ok(us && us.Queries >= 1 && us.LeftBytesByClass.results > 0,
              `us has queries and the console job's uploaded results: ${JSON.stringify(report)}`);
    const expected = report.map((r) => [r.Day, r.Region, String(r.Queries), String(r.JobExecutions),
                                        formatBytes(r.BytesScanned), formatBytes(r.LeftBytes),
                                        formatBytes(r.LeftBytesByClass.aggregates), formatBytes(r.LeftBytesByClass.values),
                                        formatBytes(r.LeftBytesByClass.rows), formatBytes(r.LeftBytesByClass.results)]);
    await waitFor('the page to show the report', async () => {
      const rows = (await tableRows('[data-testid=residency]')).map((r) => r.slice(0, 10));
      return JSON.stringify(rows) === JSON.stringify(expected);
    }, 15000, () => tableRows('[data-testid=residency]'));
    await shot('residency');
  });

  await step('the Cluster page shows what each region scanned and let out in the last hour', async () => {
    await page.goto(`http://127.0.0.1:${port}/ui/#/cluster`);
    const lastHour = (await apiGet('/api/v1/residency?hours=1')).Items;
    const expected = (region) => {
      const items = lastHour.filter((r) => r.Region === region);
      return [formatBytes(items.reduce((s, r) => s + r.BytesScanned, 0)),
              formatBytes(items.reduce((s, r) => s + r.LeftBytes, 0))];
    };
    for (const region of ['us', 'eu']) {
      await waitFor(`${region}'s figures`, async () => {
        const facts = await texts(`[data-testid=region-${region}] .facts dd.num`);
        return JSON.stringify(facts) === JSON.stringify(expected(region));
      }, 15000, () => texts(`[data-testid=region-${region}] .facts dd.num`));
    }
    assert.notEqual(expected('us')[0], '0 B');
    await shot('cluster');
  });

  assert.deepEqual(problems, [], 'console errors or failed requests');
  passed = true;
  console.log('console browser test passed');
} finally {
  if (browser) await browser.close();
  for (const child of children) child.kill('SIGTERM');
  await sleep(500);
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  if (passed) {
    fs.rmSync(dir, {recursive: true, force: true});
  } else {
    console.log(`kept ${dir} (logs of the devstack and the extra node); problems seen: ${JSON.stringify(problems)}`);
  }
}

function writeSpec() {
  const file = path.join(dir, 'submitted.yaml');
  fs.writeFileSync(file, spec);
  return file;
}
