// The runner's tick deadline: a collector that does not answer in time is left out of that
// sample (and of the next ones until it answers) while the others' values keep their time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CollectorRunner, type Collector, type CollectContext } from './collector.ts';
import { SourceMissing } from '../source-missing.ts';
import { SnapshotBuilder } from '../snapshot.ts';
import { RateTracker } from '../rates.ts';
import { memoryLogger } from '../../lib/log.ts';
import { fakeClock } from '../../test/support/fake-clock.ts';

/** One turn of the event loop: every promise callback queued by now has run. */
const settle = () => new Promise((r) => setImmediate(r));

/** Whether `p` has settled yet. */
const state = <T>(p: Promise<T>) => {
  let done = false;
  void p.finally(() => (done = true));
  return () => done;
};

const ctx = (log: ReturnType<typeof memoryLogger>): CollectContext => ({
  mono: performance.now() / 1000,
  rates: new RateTracker(),
  log,
});

test('a collector slower than the deadline is left out, sits out ticks while busy, and comes back when it answers', async () => {
  const log = memoryLogger();
  let release!: () => void;
  const calls = { fast: 0, slow: 0 };
  const fast: Collector = { name: 'fast', collect: async (out) => void (calls.fast++, out.hostMetric('load1', 1)) };
  const slow: Collector = {
    name: 'slow',
    async collect(out) {
      calls.slow++;
      // The first call hangs until released; later ones answer at once.
      if (calls.slow === 1) await new Promise<void>((r) => (release = r));
      out.hostMetric('cpu_pct', 50);
    },
  };
  const clock = fakeClock();
  const runner = new CollectorRunner([fast, slow], log, undefined, clock);

  const first = new SnapshotBuilder(10);
  const running = runner.runAll(first, ctx(log), 200);
  const returned = state(running);
  await settle();
  clock.advance(199);
  await settle();
  assert.equal(returned(), false, 'runAll waits for the slow collector until its deadline');
  clock.advance(1);
  await running;
  assert.deepEqual(first.host, { load1: 1 }, 'the fast collector is in the sample');
  assert.ok(
    log.lines.some((l) => l.startsWith('warn collector slow: no answer within 0.2 s')),
    log.lines.join('\n'),
  );

  const second = new SnapshotBuilder(20);
  const again = runner.runAll(second, ctx(log), 200);
  await settle();
  clock.advance(200);
  await again;
  assert.equal(calls.slow, 1, 'a collector still busy is not started again');
  assert.deepEqual(second.host, { load1: 1 });

  clock.advance(1100);
  release();
  await settle();
  assert.deepEqual(first.host, { load1: 1 }, 'a late answer writes nothing into the sample it missed');
  assert.ok(
    log.lines.some((l) => /^info collector slow: answered after 1\.5 s; in samples again$/.test(l)),
    log.lines.join('\n'),
  );

  const third = new SnapshotBuilder(30);
  await runner.runAll(third, ctx(log), 200); // both answer at once: no time needs to pass
  assert.deepEqual(third.host, { load1: 1, cpu_pct: 50 }, 'back in the sample once it answered');
  assert.equal(calls.fast, 3);
  assert.equal(log.lines.filter((l) => l.includes('no answer within')).length, 1, 'said once, not every tick');
});

test('collectors that answer in time are all waited for', async () => {
  const log = memoryLogger();
  const clock = fakeClock();
  const c = (name: string, ms: number, metric: string): Collector => ({
    name,
    collect: async (out) => {
      await new Promise((r) => clock.after(ms, () => r(undefined)));
      out.hostMetric(metric, ms);
    },
  });
  const runner = new CollectorRunner([c('a', 5, 'load1'), c('b', 60, 'load5')], log, undefined, clock);
  const out = new SnapshotBuilder(10);
  const running = runner.runAll(out, ctx(log), 2000);
  const returned = state(running);
  clock.advance(59);
  await settle();
  assert.equal(returned(), false, 'runAll waits for the collector still working');
  clock.advance(1);
  await settle();
  assert.equal(returned(), true, 'and returns when the last one answers, long before its deadline');
  assert.deepEqual(out.host, { load1: 5, load5: 60 });
  assert.deepEqual(log.lines, []);
});

test('a source that was there and went away is tried again after 5 s, then 10, 20…, up to 60; said once', async () => {
  const log = memoryLogger();
  // Up at first, gone for the next calls, back at the sixth.
  let calls = 0;
  const c: Collector = {
    name: 'docker',
    async collect(out) {
      calls++;
      if (calls >= 2 && calls <= 5) throw new SourceMissing('nothing answers on the Docker socket (ECONNREFUSED)');
      out.hostMetric('load1', calls);
    },
  };
  const runner = new CollectorRunner([c], log);
  const at = (mono: number) => runner.runAll(new SnapshotBuilder(1), { mono, rates: new RateTracker(), log });
  // Every second; the calls show when it was tried.
  const tried: number[] = [];
  for (let s = 0; s <= 80; s++) {
    const before = calls;
    await at(s);
    if (calls > before) tried.push(s);
  }
  assert.deepEqual(tried.slice(0, 6), [0, 1, 6, 16, 36, 76]);
  assert.deepEqual(log.lines, [
    'warn collector docker off: nothing answers on the Docker socket (ECONNREFUSED) (it was there: trying again in 5 s, then less often, up to every 60 s)',
    'info collector docker: source is back, collecting again',
  ]);
});

test('a source never there is tried every 60 s', async () => {
  const log = memoryLogger();
  let calls = 0;
  const c: Collector = {
    name: 'docker',
    async collect() {
      calls++;
      throw new SourceMissing('no Docker socket at /x (ENOENT)');
    },
  };
  const runner = new CollectorRunner([c], log);
  for (let s = 0; s <= 130; s++)
    await runner.runAll(new SnapshotBuilder(1), { mono: s, rates: new RateTracker(), log });
  assert.equal(calls, 3);
  assert.equal(log.lines.length, 1);
});

test('a collector late again and again is said late once per 10 minutes, with how often meanwhile', async () => {
  const log = memoryLogger();
  const clock = fakeClock();
  const c: Collector = { name: 'docker', collect: () => new Promise((r) => clock.after(30, () => r())) };
  const runner = new CollectorRunner([c], log, undefined, clock);
  for (const mono of [0, 60, 120, 599, 600, 700]) {
    // Past the 5 ms deadline, then past the 30 ms the collector takes: late, then back.
    const running = runner.runAll(new SnapshotBuilder(mono), { mono, rates: new RateTracker(), log }, 5);
    clock.advance(5);
    await running;
    clock.advance(35);
    await settle();
  }
  assert.deepEqual(
    log.lines.map((l) => l.replace(/\d+\.\d s;/, 'N s;')),
    [
      'warn collector docker: no answer within N s; left out of samples until it answers',
      'info collector docker: answered after N s; in samples again',
      'warn collector docker: no answer within N s; left out of samples until it answers (late 3 more times since the last line)',
      'info collector docker: answered after N s; in samples again',
    ],
  );
});
