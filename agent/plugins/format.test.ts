import { test } from 'node:test';
import assert from 'node:assert/strict';
import { berthUnit, indexMeta, parsePluginMeta, parsePluginOutput } from './format.ts';
import { clip } from '../clip.ts';

test('parsePluginOutput: tab- or space-separated lines, CRLF and blank lines tolerated', () => {
  const { samples, bad } = parsePluginOutput(
    'a.b\t1\t1700000000\nc_d.e-f\t-2.5e3\t1700000000\r\n\n   \nx:y .5 1700000001\n',
  );
  assert.deepEqual(samples, [
    { name: 'a.b', value: 1, epoch: 1_700_000_000 },
    { name: 'c_d.e-f', value: -2500, epoch: 1_700_000_000 },
    { name: 'x:y', value: 0.5, epoch: 1_700_000_001 },
  ]);
  assert.deepEqual(bad, []);
});

test('parsePluginOutput: bad lines carry their line number and text', () => {
  const { samples, bad } = parsePluginOutput('a\t1\t1\n\nb\tmany\t1\n');
  assert.equal(samples.length, 1);
  assert.deepEqual(bad, [{ line: 3, text: 'b\tmany\t1', reason: 'value "many" is not a finite number' }]);
});

test('parsePluginOutput: empty output is no samples and no bad lines', () => {
  assert.deepEqual(parsePluginOutput(''), { samples: [], bad: [] });
});

test('parsePluginOutput: every kind of bad line is counted with a reason', () => {
  const cases: [string, RegExp][] = [
    ['just.a.name', /got 1 field/],
    ['a\t1', /got 2 field/],
    // Split on whitespace as mackerel-agent does: a name with a space shifts the fields.
    ['a b\t1\t2', /value "b" is not a finite number/],
    ['9lives\t1\t2', /name: a letter or _ first/],
    ['a/b\t1\t2', /then letters, digits, _ \. : -/],
    [`${'x'.repeat(129)}\t1\t2`, /at most 128/],
    ['a\tNaN\t2', /"NaN" is not a finite number/],
    ['a\tInfinity\t2', /not a finite number/],
    ['a\t1e999\t2', /not a finite number/],
    ['a\t0x10\t2', /not a finite number/],
    ['a\t1\t-1', /epoch "-1" is not epoch seconds/],
    ['a\t1\tyesterday', /epoch "yesterday" is not epoch seconds/],
  ];
  for (const [line, re] of cases) {
    const { samples, bad } = parsePluginOutput(`${line}\n`);
    assert.equal(samples.length, 0, line);
    assert.equal(bad.length, 1, line);
    assert.match(bad[0].reason, re, line);
  }
});

test('parsePluginOutput: what mackerel-agent takes, Berth takes: a decimal epoch, fields past the third', () => {
  const { samples, bad } = parsePluginOutput('a\t1\t1700000000.123\nb\t2\t1700000000\textra fields\n');
  assert.deepEqual(bad, []);
  assert.deepEqual(samples, [
    { name: 'a', value: 1, epoch: 1700000000 },
    { name: 'b', value: 2, epoch: 1700000000 },
  ]);
});

const META = `# mackerel-agent-plugin
{"graphs": {
  "proc.net.ip_vs.10_0_0_1_80_TCP_rr.active_conns": {"label": "TCP 10.0.0.1:80 rr (active conns)", "unit": "integer", "metrics": [{"name": "#"}]},
  "memcached.connections": {"label": "Memcached Connections", "unit": "integer", "metrics": [{"name": "curr_connections", "label": "Connections"}]},
  "disk.#": {"label": "Disk", "unit": "bytes/sec", "metrics": [{"name": "read", "label": "Read"}, {"name": "*", "label": "%2 bytes"}]},
  "cpu.*": {"unit": "percentage", "metrics": [{"name": "user"}]},
  "lat": {"unit": "milliseconds", "metrics": [{"name": "p99"}]}
}}
`;

test('parsePluginMeta: header then JSON', () => {
  const meta = parsePluginMeta(META);
  assert.ok(meta);
  assert.deepEqual(Object.keys(meta.graphs).length, 5);
  assert.deepEqual(meta.graphs['memcached.connections'], {
    label: 'Memcached Connections',
    unit: 'integer',
    metrics: [{ name: 'curr_connections', label: 'Connections', stacked: false }],
  });
});

test('parsePluginMeta: no header means no meta; a broken one is an error', () => {
  assert.equal(parsePluginMeta('a\t1\t2\n'), undefined);
  assert.equal(parsePluginMeta(''), undefined);
  assert.ok(parsePluginMeta('#mackerel-agent-plugin\n{"graphs":{}}'));
  assert.throws(() => parsePluginMeta('# mackerel-agent-plugin version=2\n{}'), /unsupported plugin meta version "2"/);
  assert.throws(() => parsePluginMeta('# mackerel-agent-plugin\n{"graphs": '), /does not parse/);
  assert.throws(() => parsePluginMeta('# mackerel-agent-plugin\n[]'), /no "graphs" object/);
  assert.throws(
    () => parsePluginMeta('# mackerel-agent-plugin\n{"graphs":{"a":{}}}'),
    /graph "a" has no "metrics" list/,
  );
  assert.throws(
    () => parsePluginMeta('# mackerel-agent-plugin\n{"graphs":{"a":{"metrics":[{"label":"x"}]}}}'),
    /metric without a name/,
  );
});

test('indexMeta: exact names, wildcards and %N labels', () => {
  const meta = parsePluginMeta(META);
  assert.ok(meta);
  const idx = indexMeta(meta);
  assert.deepEqual(idx.lookup('memcached.connections.curr_connections'), {
    label: 'Connections',
    graph: 'Memcached Connections',
    unit: 'count',
  });
  // "#" as the metric name: every real server in the one graph, labelled by its segment.
  assert.deepEqual(idx.lookup('proc.net.ip_vs.10_0_0_1_80_TCP_rr.active_conns.10_0_1_11_80'), {
    label: '10_0_1_11_80',
    graph: 'TCP 10.0.0.1:80 rr (active conns)',
    unit: 'count',
  });
  // "#" in the graph key: one graph per disk; the exact metric beats the "*" one.
  assert.deepEqual(idx.lookup('disk.sda.read'), { label: 'Read', graph: 'Disk (sda)', unit: 'bytes_per_s' });
  assert.deepEqual(idx.lookup('disk.sdb.write'), { label: 'write bytes', graph: 'Disk (sdb)', unit: 'bytes_per_s' });
  // No graph label: the key, "*" kept (one graph for all).
  assert.deepEqual(idx.lookup('cpu.0.user'), { label: 'user', graph: 'cpu.*', unit: 'pct' });
  assert.deepEqual(idx.lookup('lat.p99'), { label: 'p99', graph: 'lat', unit: 'milliseconds' });
  assert.equal(idx.lookup('disk.sda.read.extra'), undefined);
  assert.equal(idx.lookup('disk.s@a.read'), undefined);
  assert.equal(idx.lookup('unknown'), undefined);
  assert.deepEqual(Object.keys(idx.exact()).sort(), ['lat.p99', 'memcached.connections.curr_connections']);
});

test('berthUnit: Mackerel units in Berth terms', () => {
  const cases: [string | undefined, string | undefined][] = [
    ['float', undefined],
    ['integer', 'count'],
    ['percentage', 'pct'],
    ['seconds', 'seconds'],
    ['bytes', 'bytes'],
    ['bytes/sec', 'bytes_per_s'],
    ['iops', 'per_s'],
    ['bits/sec', 'bits_per_s'],
    ['', undefined],
    [undefined, undefined],
    // Passed through as given, like any unit Mackerel does not name.
    ['toString', 'toString'],
    ['__proto__', '__proto__'],
  ];
  for (const [m, want] of cases) assert.equal(berthUnit(m), want, String(m));
});

test('parsePluginMeta: only the first JSON value is meta, as mackerel-agent reads it; a plugin may print more after it', () => {
  const meta = parsePluginMeta(
    '# mackerel-agent-plugin\n{"graphs": {"app.req": {"label": "Requests {x}", "metrics": [{"name": "n", "label": "a \\"}\\" b"}]}}}\ndebug: done\n',
  );
  assert.equal(meta?.graphs['app.req'].metrics[0].label, 'a "}" b');
});

test('meta a server would refuse never leaves the agent: names no series can have, labels cut inside a surrogate pair', () => {
  const long = `g${'.seg'.repeat(70)}`;
  const idx = indexMeta({
    graphs: {
      [long]: { metrics: [{ name: 'm' }] },
      app: { label: `${'a'.repeat(255)}🐳`, metrics: [{ name: 'whale', label: 'half \ud800 a pair' }] },
    },
  });
  assert.deepEqual(Object.keys(idx.exact()), ['app.whale'], 'a name past 128 characters is no series name');
  const e = idx.exact()['app.whale'];
  assert.equal(e.graph, 'a'.repeat(255), 'the emoji is left out whole, not cut in half');
  assert.equal(e.label, 'half \ufffd a pair');
  assert.equal(clip('ab🐳', 3), 'ab');
  assert.equal(clip('ab🐳', 4), 'ab🐳');
});
