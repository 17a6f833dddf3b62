// What a console left open on the Jobs page costs the orchestrator (issue 13's budget: at most 2%
// of a core with 1,000 jobs), against the same orchestrator idle, in the same run.
//
// One `shoal serve` orchestrator and one compute node (one execution at a time, busy with a long
// query), 1,000 jobs: the newest 999 wait in the queue, so every job the Jobs page shows is live
// and its partitions are fetched at every poll (the heaviest case of the page). The orchestrator's
// CPU time (utime + stime from /proc) is read over a window with no browser, then over the same
// window with Debian's chromium-headless-shell showing the Jobs page.
//
//   node bench/console/console_cost.mjs build/shoal [seconds per window, default 20]
// (make bench runs it). Prints figures and ratios; never fails on them.
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';

const shoal = path.resolve(process.argv[2] ?? 'build/shoal');
const windowS = Number(process.argv[3] ?? 20);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const {default: puppeteer} = await import(pathToFileURL(
  path.join(root, '.deps/puppeteer/node_modules/puppeteer-core/lib/esm/puppeteer/puppeteer-core.js')).href);
const chromium = '/usr/bin/chromium-headless-shell';
const JOBS = 1000;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-console-cost-'));
const children = [];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
function start(name, args) {
  const log = path.join(dir, `${name}.log`);
  const child = spawn(shoal, args, {stdio: ['ignore', fs.openSync(log, 'w'), fs.openSync(log, 'a')]});
  children.push(child);
  return {child, log: () => fs.readFileSync(log, 'utf8')};
}
// CPU seconds the process has used so far.
function cpuSeconds(pid) {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;  // utime, stime in clock ticks (USER_HZ 100)
}
async function measure(pid, seconds) {
  const cpu0 = cpuSeconds(pid);
  const t0 = Date.now();
  await sleep(seconds * 1000);
  return (cpuSeconds(pid) - cpu0) / ((Date.now() - t0) / 1000);  // cores
}

let browser;
try {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const orchestrator = start('orchestrator', ['serve', '--orchestrator', '--data-dir', path.join(dir, 'o'),
                                              '--port', String(port)]);
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; ++i) {
    if (orchestrator.log().includes('listening on')) break;
    if (i > 200) throw new Error(`the orchestrator did not start:\n${orchestrator.log()}`);
    await sleep(50);
  }
  fs.mkdirSync(path.join(dir, 'store'));
  start('node', ['serve', '--compute', '--orchestrator', `127.0.0.1:${port}`, '--name', 'compute-us-1',
                 '--labels', 'region=us', '--data-dir', path.join(dir, 'n'), '--max-executions', '1',
                 '--store', `storage-local=${path.join(dir, 'store')}`]);
  const call = async (method, p, body) => {
    const response = await fetch(base + p, {method, headers: {'Content-Type': 'application/json'},
                                            body: body && JSON.stringify(body)});
    if (!response.ok) throw new Error(`${method} ${p}: ${response.status} ${await response.text()}`);
    return response.json();
  };
  for (let i = 0; ; ++i) {
    if ((await call('GET', '/api/v1/orchestrator/nodes')).Items.length) break;
    if (i > 200) throw new Error('the node did not register');
    await sleep(50);
  }
  const spec = (name, sql) => `Name: ${name}\nType: batch\nCount: 1\n` +
      'Constraints:\n  - {Key: region, Operator: "==", Values: [us]}\n' +
      'Tasks:\n  - Name: main\n    Timeouts: {QueueTimeout: 3600, ExecutionTimeout: 3600}\n' +
      '    Resources: {CPU: "1"}\n' +
      `    Engine:\n      Type: duckdb\n      Params:\n        SQL: "${sql}"\n`;
  const submit = async (name, sql) => {
    const parsed = await call('POST', '/api/v1/orchestrator/jobs/parse', {Spec: spec(name, sql)});
    return call('PUT', '/api/v1/orchestrator/jobs', {Job: parsed.Job});
  };
  const began = Date.now();
  await submit('blocker', 'SELECT count(*) FROM range(1000000000000)');
  for (let i = 1; i < JOBS; ++i) await submit(`queued-${i}`, `SELECT ${i}`);
  console.log(`${JOBS} jobs submitted in ${((Date.now() - began) / 1000).toFixed(1)} s (1 running, ${JOBS - 1} queued)`);
  await sleep(2000);

  const pid = orchestrator.child.pid;
  const idle = await measure(pid, windowS);
  browser = await puppeteer.launch({executablePath: chromium, headless: true,
                                    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage']});
  const page = await browser.newPage();
  await page.setViewport({width: 1280, height: 800});
  await page.goto(`${base}/`);
  await page.waitForSelector('#token');
  await page.type('#token', 'any');  // this orchestrator asks for no token
  await page.click('[data-testid=token-form] button[type=submit]');
  await page.goto(`${base}/ui/#/jobs`);
  await page.waitForSelector('[data-testid=jobs-table] tbody tr');
  const rows = await page.$$eval('[data-testid=jobs-table] tbody tr', (r) => r.length);
  let requests = 0;
  page.on('request', () => { requests += 1; });
  const open = await measure(pid, windowS);
  const percent = (cores) => `${(cores * 100).toFixed(2)}% of a core`;
  console.log(`orchestrator idle (a node heartbeating, ${JOBS} jobs):   ${percent(idle)}`);
  console.log(`with the Jobs page open (${rows} live jobs shown):  ${percent(open)}  ` +
              `(${(requests / windowS).toFixed(1)} API requests/s)`);
  console.log(`the console's cost: ${percent(open - idle)} (budget 2%); open/idle ${(open / Math.max(idle, 1e-6)).toFixed(2)}x`);
} finally {
  if (browser) await browser.close();
  for (const child of children) child.kill('SIGTERM');
  await sleep(500);
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  fs.rmSync(dir, {recursive: true, force: true});
}
