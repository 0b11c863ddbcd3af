import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerEvent } from '../../protocol/batch.ts';
import { MAX_EVENTS } from '../../protocol/constants.ts';
import { memoryLogger } from '../../lib/log.ts';
import { SnapshotBuilder } from '../snapshot.ts';
import type { EventSubscriber } from '../docker/event-follower.ts';
import { eventsCollector, eventsPerTick, type EventSource } from './events.ts';
import { RateTracker } from '../rates.ts';

function fakeFollower(cursor = 1_800_000_000_000_000_000n) {
  const subs = new Set<EventSubscriber>();
  let started = 0;
  const source: EventSource & { emit(e: ContainerEvent): void; started(): number } = {
    cursor,
    subscribe(s) {
      subs.add(s);
      return () => subs.delete(s);
    },
    start() {
      started++;
    },
    emit(e) {
      for (const s of subs) s.event?.(e);
    },
    started: () => started,
  };
  return source;
}

const ev = (i: number, type = 'die'): ContainerEvent => ({
  ts: 1_800_000_000 + i,
  ns: 5,
  type,
  id: 'c1',
  name: 'web',
  exit_code: 1,
});
const ctx = { mono: 0, rates: new RateTracker(), log: memoryLogger() };

test('events wait for the next tick, which takes at most its share; the rest go with the ticks after', async () => {
  const f = fakeFollower();
  const c = eventsCollector({ follower: f, perTick: 2, log: memoryLogger() });
  assert.equal(f.started(), 1, 'the collector starts the follower');
  for (let i = 0; i < 5; i++) f.emit(ev(i));
  assert.equal(c.waiting, 5);

  const primed = new SnapshotBuilder(0, true);
  await c.collect(primed, ctx);
  assert.equal(primed.events.length, 0, 'the priming read is thrown away: it takes nothing');

  const ticks: number[][] = [];
  for (let k = 0; k < 4; k++) {
    const out = new SnapshotBuilder(1_800_000_100 + k);
    await c.collect(out, ctx);
    ticks.push(out.events.map((e) => e.ts - 1_800_000_000));
    assert.deepEqual(out.toSnapshot().events, out.events.length ? out.events : undefined);
  }
  assert.deepEqual(ticks, [[0, 1], [2, 3], [4], []]);
  assert.equal(c.waiting, 0);
});

test('a tick already over takes nothing, and the events stay for the next', async () => {
  const f = fakeFollower();
  const c = eventsCollector({ follower: f, perTick: 10, log: memoryLogger() });
  f.emit(ev(0));
  const late = new SnapshotBuilder(1_800_000_100);
  late.seal();
  await c.collect(late, ctx);
  assert.equal(c.waiting, 1);
  const next = new SnapshotBuilder(1_800_000_110);
  await c.collect(next, ctx);
  assert.equal(next.events.length, 1);
});

test('takenUpTo: the follower’s place when nothing waits, else up to the newest event taken', async () => {
  const f = fakeFollower(1_800_000_050_000_000_000n);
  const c = eventsCollector({ follower: f, perTick: 1, log: memoryLogger() });
  assert.equal(c.takenUpTo(), 1_800_000_050_000_000_000n);
  f.emit(ev(100));
  f.emit(ev(101));
  assert.equal(c.takenUpTo(), 1_800_000_100_000_000_005n, 'nothing taken yet: from the oldest waiting');
  await c.collect(new SnapshotBuilder(1_800_000_200), ctx);
  assert.equal(c.takenUpTo(), 1_800_000_100_000_000_005n, 'the newest taken (asked again, the server drops it)');
  await c.collect(new SnapshotBuilder(1_800_000_210), ctx);
  assert.equal(c.takenUpTo(), f.cursor, 'all taken');
});

test('beyond the bound in memory the oldest are dropped, and the log says so once per thousand', () => {
  const f = fakeFollower();
  const log = memoryLogger();
  const c = eventsCollector({ follower: f, perTick: 1, log, maxWaiting: 3 });
  for (let i = 0; i < 6; i++) f.emit(ev(i));
  assert.equal(c.waiting, 3);
  assert.equal(log.lines.filter((l) => l.includes('dropped the oldest')).length, 1);
  c.close?.();
  f.emit(ev(9));
  assert.equal(c.waiting, 3, 'closed: no longer subscribed');
});

test('eventsPerTick keeps a batch of flush / interval ticks within MAX_EVENTS', () => {
  for (const [interval, flush] of [
    [10, 10],
    [1, 60],
    [1, 3600],
    [60, 60],
    [5, 3600],
  ]) {
    const per = eventsPerTick(interval, flush);
    assert.ok(per >= 1);
    assert.ok(per * (Math.ceil(flush / interval) + 1) <= MAX_EVENTS, `${interval}/${flush}: ${per}`);
  }
  assert.equal(eventsPerTick(10, 10), MAX_EVENTS / 2);
});
