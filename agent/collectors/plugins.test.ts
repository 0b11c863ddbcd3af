import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { pluginsCollector } from './plugins.ts';
import { CollectorRunner, type CollectContext, type Collector } from './collector.ts';
import { SnapshotBuilder } from '../snapshot.ts';
import { RateTracker } from '../rates.ts';
import { memoryLogger } from '../../lib/log.ts';
import { parsePluginSpec } from '../plugins/spec.ts';

const script = (name: string) => fileURLToPath(new URL(`../plugins/testdata/${name}`, import.meta.url));
const spec = (name: string, file: string, ...args: string[]) => ({ name, command: script(file), args });
const env = { PATH: process.env.PATH };

async function tick(c: Collector): Promise<SnapshotBuilder> {
  const out = new SnapshotBuilder(1_700_000_000);
  const ctx: CollectContext = { mono: 1, rates: new RateTracker(), log: memoryLogger() };
  await c.collect(out, ctx);
  return out;
}
const value = (out: SnapshotBuilder, name: string, plugin: string) =>
  out.series.find((s) => s.name === name && s.labels.plugin === plugin)?.value;

test('plugins: every line becomes a series named as printed, labelled with the plugin', async () => {
  const log = memoryLogger();
  const c = pluginsCollector({ plugins: [spec('app', 'metrics.sh')], timeoutMs: 5000, log, env });
  const out = await tick(c);
  assert.deepEqual(
    out.series.map((s) => [s.name, s.labels, s.value]),
    [
      ['app.requests.get', { plugin: 'app' }, 1234],
      ['app.requests.post', { plugin: 'app' }, 56],
      ['app.latency.p99', { plugin: 'app' }, 0.125],
      ['app.queue.depth', { plugin: 'app' }, -3],
      ['app.args', { plugin: 'app' }, 0],
      ['plugin_bad_lines', { plugin: 'app' }, 0],
    ],
  );
  assert.deepEqual(
    log.lines.filter((l) => !l.startsWith('debug')),
    [],
  );
  assert.deepEqual(c.meta(), {});
});

test('plugins: a flag from the command line runs with its arguments and environment', async () => {
  const p = parsePluginSpec(`app=APP_EXTRA=42 ${script('metrics.sh')} -a 'b c'`);
  const out = await tick(pluginsCollector({ plugins: [p], timeoutMs: 5000, log: memoryLogger(), env }));
  assert.equal(value(out, 'app.args', 'app'), 2);
  assert.equal(value(out, 'app.extra', 'app'), 42);
});

test('plugins: agent secrets in BERTH_* variables are not passed to plugins', async () => {
  const saved = process.env.BERTH_TOKEN;
  process.env.BERTH_TOKEN = 'secret';
  try {
    const p = parsePluginSpec(`leak=sh -c 'printf "token.len\\t%s\\t1\\n" "\${#BERTH_TOKEN}"'`);
    const out = await tick(pluginsCollector({ plugins: [p], timeoutMs: 5000, log: memoryLogger() }));
    assert.equal(value(out, 'token.len', 'leak'), 0);
  } finally {
    if (saved === undefined) delete process.env.BERTH_TOKEN;
    else process.env.BERTH_TOKEN = saved;
  }
});

test('plugins: garbage lines are counted and logged, never stored', async () => {
  const log = memoryLogger();
  const c = pluginsCollector({ plugins: [spec('junk', 'malformed.sh')], timeoutMs: 5000, log, env });
  const out = await tick(c);
  // A fourth field is ignored, as mackerel-agent ignores it.
  assert.deepEqual(
    out.series.map((s) => s.name),
    ['good.one', 'good.two', 'too.many', 'good.three', 'plugin_bad_lines'],
  );
  assert.equal(value(out, 'good.three', 'junk'), -500);
  assert.equal(value(out, 'plugin_bad_lines', 'junk'), 6);
  assert.equal(log.lines.length, 1);
  assert.match(
    log.lines[0],
    /^warn plugin junk: 6 malformed line\(s\) ignored; line 2: value "tabs" is not a finite number: "no tabs at all"/,
  );
  await tick(c);
  assert.equal(log.lines.length, 1, 'the same problem is logged once, not every tick');
});

test('plugins: a non-zero exit is logged with its stderr; what it printed is kept', async () => {
  const log = memoryLogger();
  const out = await tick(pluginsCollector({ plugins: [spec('mc', 'fail.sh')], timeoutMs: 5000, log, env }));
  assert.equal(value(out, 'fail.partial', 'mc'), 1);
  assert.deepEqual(log.lines, [
    'warn plugin mc: exited with code 3: cannot connect to 127.0.0.1:11211: connection refused / (is memcached running?)',
  ]);
});

test('plugins: a hang is killed at the timeout and logged; the others still report', async () => {
  const log = memoryLogger();
  const c = pluginsCollector({
    plugins: [spec('stuck', 'hang.sh'), spec('app', 'metrics.sh')],
    timeoutMs: 700,
    log,
    env,
  });
  const started = Date.now();
  const out = await tick(c);
  // Killed at 0.7 s, not after the script's 30 s; the margin is for a machine busy with other tests.
  assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
  assert.equal(value(out, 'app.requests.get', 'app'), 1234);
  assert.equal(
    out.series.some((s) => s.labels.plugin === 'stuck'),
    false,
    'nothing from a killed run is stored',
  );
  assert.ok(
    log.lines.some((l) =>
      /^warn plugin stuck: no answer after 0\.7 s, killed it and its children; stderr: child \d+/.test(l),
    ),
    log.lines.join('\n'),
  );
});

test('plugins: a missing command is an error line, and the collector itself never throws', async () => {
  const log = memoryLogger();
  const runner = new CollectorRunner(
    [
      pluginsCollector({
        plugins: [{ name: 'gone', command: '/nonexistent/mackerel-plugin-x', args: [] }],
        timeoutMs: 1000,
        log,
        env,
      }),
    ],
    log,
  );
  await runner.runAll(new SnapshotBuilder(1_700_000_000), { mono: 1, rates: new RateTracker(), log });
  assert.equal(log.lines.length, 1);
  assert.match(log.lines[0], /^error plugin gone: cannot run \/nonexistent\/mackerel-plugin-x: .*ENOENT/);
});

test('plugins: the meta is read once and maps printed names, wildcards included', async () => {
  const log = memoryLogger();
  const c = pluginsCollector({ plugins: [spec('lvs', 'meta.sh')], timeoutMs: 5000, log, env });
  const out = await tick(c);
  assert.equal(value(out, 'lvs.conns.active', 'lvs'), 12);
  assert.equal(
    out.series.some((s) => s.name.startsWith('{') || s.name.startsWith('#')),
    false,
    'meta output is not taken for samples',
  );
  assert.deepEqual(c.meta(), {
    'lvs.conns.active': { label: 'Active', graph: 'LVS connections', unit: 'count' },
    'lvs.conns.inactive': { label: 'Inactive', graph: 'LVS connections', unit: 'count' },
    'lvs.traffic.eth0.rx': { label: 'rx', graph: 'LVS traffic eth0', unit: 'bytes_per_s' },
    'lvs.traffic.eth0.tx': { label: 'tx', graph: 'LVS traffic eth0', unit: 'bytes_per_s' },
    'lvs.traffic.eth1.rx': { label: 'rx', graph: 'LVS traffic eth1', unit: 'bytes_per_s' },
    'lvs.rs_weight.10_0_1_11_80': { label: '10_0_1_11_80', graph: 'lvs.rs_weight' },
  });
  assert.ok(log.lines.some((l) => l === 'info plugin lvs: meta read, 3 graph(s)'));
  await tick(c);
  assert.equal(log.lines.filter((l) => /meta read/.test(l)).length, 1, 'meta is read once');
});

test('plugins: close() kills a plugin in the middle of a run', async () => {
  const c = pluginsCollector({ plugins: [spec('stuck', 'hang.sh')], timeoutMs: 60_000, log: memoryLogger(), env });
  const started = Date.now();
  const running = tick(c);
  setTimeout(() => void c.close?.(), 300);
  await running;
  assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms, not the script's 30 s`);
});
