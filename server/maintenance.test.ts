// Background maintenance on a fake clock: the first rollup a second after start, later ones
// and retention on their intervals, never two runs at once; once stopped, nothing more reaches
// the writer (which may be closed by then).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startMaintenance } from './maintenance.ts';
import { memoryLogger } from '../lib/log.ts';
import { DEFAULT_RETENTION } from './rollup/tiers.ts';
import { fakeClock } from '../test/support/fake-clock.ts';

/** A writer that records each call with the clock's time in seconds; `hold` makes rollups wait until released. */
function fakeWriter(clock: { now(): number }, opts: { hold?: boolean; fail?: boolean } = {}) {
  const calls: string[] = [];
  const releases: (() => void)[] = [];
  const at = () => `${Math.round((clock.now() - 1000) / 1000)}`;
  return {
    calls,
    releaseAll: () => releases.splice(0).forEach((r) => r()),
    rollup: async () => {
      calls.push(`rollup@${at()}`);
      if (opts.fail) throw new Error('database is locked');
      if (opts.hold) await new Promise<void>((r) => releases.push(r));
      return { buckets: 0, dirty: 0 };
    },
    retention: async () => {
      calls.push(`retention@${at()}`);
      return { deleted: 0, freedPages: 0 } as never;
    },
  };
}

function start(opts: { hold?: boolean; fail?: boolean } = {}) {
  const clock = fakeClock(1000);
  const w = fakeWriter(clock, opts);
  const log = memoryLogger();
  const stop = startMaintenance(w, {
    retention: DEFAULT_RETENTION,
    rollupEverySeconds: 60,
    retentionEverySeconds: 600,
    log,
    now: () => 1_790_000_000,
    clock,
  });
  const settle = () => new Promise((r) => setImmediate(r));
  return { clock, w, log, stop, run: (s: number) => clock.run(s * 1000, settle) };
}

test('the first rollup runs a second after start, later ones every interval, retention every its own', async () => {
  const m = start();
  await m.run(0.999);
  assert.equal(m.w.calls.length, 0, 'not before a second');
  await m.run(0.001);
  assert.deepEqual(m.w.calls, ['rollup@1']);
  await m.run(599 - 1);
  assert.deepEqual(m.w.calls, ['rollup@1', ...[60, 120, 180, 240, 300, 360, 420, 480, 540].map((s) => `rollup@${s}`)]);
  await m.run(1.5);
  assert.ok(m.w.calls.includes('retention@600'), m.w.calls.join(' '));
  m.stop();
});

test('never two runs at once: one that comes while a rollup runs is skipped', async () => {
  const m = start({ hold: true });
  await m.run(1);
  assert.deepEqual(m.w.calls, ['rollup@1']);
  await m.run(600); // the rollup started at 1 s is still running: every later run is skipped
  assert.deepEqual(m.w.calls, ['rollup@1']);
  m.w.releaseAll();
  await m.run(60);
  assert.deepEqual(m.w.calls, ['rollup@1', 'rollup@660']);
  m.stop();
});

test('a failed run is logged, the same failure again at most once a minute, and the next run comes on time', async () => {
  const m = start({ fail: true });
  await m.run(121);
  assert.deepEqual(m.w.calls, ['rollup@1', 'rollup@60', 'rollup@120']);
  assert.deepEqual(m.log.lines, [
    'error rollups failed: database is locked',
    'error rollups failed: database is locked (1 more like it in the last 119 s)',
  ]);
  m.stop();
});

test('stopped before its first run, it never calls the writer (no "rollups failed" after close); stopped later, no more calls', async () => {
  const m = start();
  m.stop();
  await m.run(3600);
  assert.deepEqual(m.w.calls, []);
  assert.deepEqual(m.log.lines, []);
  assert.deepEqual(m.clock.armed, [], 'no timer left');
  const n = start();
  await n.run(90);
  n.stop();
  await n.run(3600);
  assert.deepEqual(n.w.calls, ['rollup@1', 'rollup@60']);
});
