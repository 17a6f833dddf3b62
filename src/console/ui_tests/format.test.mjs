// The console's pure helpers (ui/format.js), run by ctest as `node --test`.
import assert from 'node:assert/strict';
import test from 'node:test';

import {absoluteTime, formatBytes, formatCount, formatDuration, nodesByRegion, partitionProgress,
        relativeTime, resultCsv, shortId, templateVariables, toYaml} from '../ui/format.js';

test('units read like the CLI prints them', () => {
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(999), '999 B');
  assert.equal(formatBytes(1234567), '1.2 MB');
  assert.equal(formatBytes(4e12), '4.0 TB');
  assert.equal(formatCount(950), '950');
  assert.equal(formatCount(12345), '12.3K');
  assert.equal(formatDuration(850), '850 ms');
  assert.equal(formatDuration(12500), '12.5 s');
  assert.equal(formatDuration(185000), '3 min 5 s');
  assert.equal(formatDuration(7260000), '2 h 1 min');
});

test('times are relative with the absolute one at hand', () => {
  const now = Date.UTC(2026, 11, 7, 12, 0, 0);
  const ns = (ms) => ms * 1e6;
  assert.equal(relativeTime(ns(now - 3000), now), '3 s ago');
  assert.equal(relativeTime(ns(now - 5 * 60000), now), '5 min ago');
  assert.equal(relativeTime(ns(now - 2 * 3600000), now), '2 h ago');
  assert.equal(relativeTime(ns(now - 4 * 86400000), now), '4 d ago');
  assert.equal(relativeTime(ns(now + 3000), now), 'in 3 s');
  assert.equal(relativeTime(0, now), 'never');
  assert.match(absoluteTime(ns(now)), /^2026-12-07 \d\d:00:00$/);
  assert.equal(shortId('j-1234abcd-5678-90ef'), 'j-1234abcd');
});

const execution = (partition, attempt, node, state, stats = {}) => ({
  JobVersion: 2, PartitionIndex: partition, Attempt: attempt, NodeID: node,
  ComputeState: {StateType: state}, Stats: stats,
});

test('a job\'s partitions count by their latest attempt, as the CLI line counts them', () => {
  const job = {Type: 'batch', Count: 5, Version: 2, State: {StateType: 'Running'}};
  const executions = [
    execution(0, 1, 'us-1', 'Completed', {BytesRead: 1e6, RowsRead: 1000}),
    execution(1, 1, 'us-2', 'Failed', {BytesRead: 5e5}),
    execution(1, 2, 'us-1', 'Running', {BytesRead: 2.5e6, RowsRead: 2.5e6, Progress: 0.5}),
    execution(2, 1, 'eu-1', 'Failed'),
    execution(3, 1, 'eu-1', 'Publishing'),
    {...execution(4, 1, 'us-1', 'Completed', {BytesRead: 2 ** 30}), JobVersion: 1},
  ];
  const p = partitionProgress(job, executions, {'us-1': 'us', 'us-2': 'us', 'eu-1': 'eu'});
  assert.deepEqual([p.total, p.done, p.running, p.failed], [5, 1, 2, 1]);
  assert.deepEqual(p.byRegion.us, {total: 2, done: 1, running: 1, failed: 0});
  assert.deepEqual(p.byRegion.eu, {total: 2, done: 0, running: 1, failed: 1});
  assert.equal(p.fraction, 0.5);
  assert.equal(p.bytesRead, 4e6);
  assert.equal(p.rowsRead, 2501000);
  // Capped at 99% while running; 100% once Completed.
  const all = [execution(0, 1, 'us-1', 'Completed'), execution(1, 1, 'us-1', 'Publishing')];
  assert.equal(partitionProgress({...job, Count: 2}, all).fraction, 0.99);
  assert.equal(partitionProgress({...job, Count: 2, State: {StateType: 'Completed'}}, all).fraction, 1);
});

test('nodes group by region, regions in order and the unlabelled last', () => {
  const groups = nodesByRegion([
    {ID: 'x-1', Labels: {}}, {ID: 'us-2', Labels: {region: 'us'}},
    {ID: 'eu-1', Labels: {region: 'eu'}}, {ID: 'us-1', Labels: {region: 'us'}},
  ]);
  assert.deepEqual(groups.map(([region, nodes]) => [region, nodes.map((n) => n.ID)]),
                   [['eu', ['eu-1']], ['us', ['us-1', 'us-2']], ['(no region)', ['x-1']]]);
});

test('a result table downloads as RFC 4180 CSV', () => {
  const csv = resultCsv({
    Columns: [{Name: 'name'}, {Name: 'n'}, {Name: 'nested'}],
    Rows: [['a,b', 1, null], ['say "hi"', '12345678901234567890', {k: [1, 2]}]],
  });
  assert.equal(csv, 'name,n,nested\n"a,b",1,\n"say ""hi""",12345678901234567890,"{""k"":[1,2]}"\n');
});

test('a job spec shows as YAML that reads back the same', () => {
  const yaml = toYaml({
    Name: 'trends', Count: 3, Labels: {}, Tags: ['a', 'yes'], Empty: '',
    Tasks: [{Name: 'main', Engine: {Type: 'duckdb', Params: {SQL: 'SELECT 1;\nSELECT 2;\n'}}}],
  });
  assert.equal(yaml, [
    'Name: trends',
    'Count: 3',
    'Labels: {}',
    'Tags:',
    '  - a',
    '  - "yes"',
    'Empty: ""',
    'Tasks:',
    '  - Name: main',
    '    Engine:',
    '      Type: duckdb',
    '      Params:',
    '        SQL: |',
    '          SELECT 1;',
    '          SELECT 2;',
  ].join('\n'));
});

test('the template variables of a job file, once each in order', () => {
  assert.deepEqual(templateVariables('Name: t-{{.Region}}\nCount: {{- .Count -}}\n' +
                                     'A: {{ .Region }} {{/* note */}} {jobID} {{"{{"}}'),
                   ['Region', 'Count']);
});
