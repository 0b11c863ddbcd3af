// The agent's tick times: each timer is aimed at a boundary and that boundary is its stamp,
// so a timer that fires early or late (a busy event loop) stamps every second once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aimAt, msToNextBoundary, stampOf, tickDeadline } from './agent.ts';

/** Runs the agent's aiming for `ticks` timers that each fire `jitter(i)` ms off their aim; the stamps. */
function stamps(interval: number, ticks: number, jitter: (i: number) => number, start = 1_796_000_000_123): number[] {
  const out: number[] = [];
  let aim: number | undefined;
  let now = start;
  for (let i = 0; i < ticks; i++) {
    const at = (aim = aimAt(aim, now, interval));
    now = at + jitter(i); // when the timer really fires
    out.push(Math.round(at / 1000));
    aim = at + interval * 1000;
  }
  return out;
}

test('timers firing early or up to most of an interval late stamp every boundary exactly once', () => {
  let seed = 7;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  for (const interval of [1, 2, 10]) {
    const got = stamps(interval, 2000, () => (random() - 0.2) * 0.9 * interval * 1000);
    for (let i = 1; i < got.length; i++)
      assert.equal(got[i] - got[i - 1], interval, `interval ${interval}, tick ${i}: ${got[i - 1]} then ${got[i]}`);
    assert.equal(got[0] % interval, 0, 'on the interval grid');
  }
});

test('a wall clock stepped back or forward by more than an interval re-aims at the next boundary from the new time', () => {
  const now = 1_796_000_000_000;
  assert.equal(
    aimAt(now + 10_000, now - 3_600_000, 10),
    now - 3_600_000 + 10_000,
    'stepped back an hour: not an hour without samples',
  );
  assert.equal(
    aimAt(now, now + 3_600_000 + 4_000, 10),
    now + 3_600_000 + 10_000,
    'stepped forward: the next boundary, no burst of old ones',
  );
  assert.equal(aimAt(now + 10_000, now + 2_000, 10), now + 10_000, 'a normal wait keeps its aim');
  assert.equal(aimAt(undefined, now + 2_500, 10), now + 10_000);
  assert.equal(msToNextBoundary(now + 2_500, 10), 7_500);
});

test('a tick gets until shortly before the next boundary, and never under 2 s', () => {
  const boundary = 1_796_000_000_000;
  assert.equal(tickDeadline(10, boundary + 5), 10_000 - 5 - 200);
  assert.equal(tickDeadline(1, boundary + 5), 2000);
  assert.equal(tickDeadline(10, boundary + 9_000), 2000);
  // A timer that fired a millisecond before the boundary it is for still gets the interval.
  assert.equal(tickDeadline(10, boundary - 1, boundary), 10_000 + 1 - 200);
  assert.equal(tickDeadline(10, boundary - 1), 2000, 'without the boundary it would read the next one as 1 ms away');
});

test('a timer firing an interval or more from its aim stamps the boundary nearest now, not the old aim', () => {
  const aimed = 1_796_000_010_000;
  assert.equal(stampOf(aimed, aimed + 3, 10), aimed, 'a little late: the aim');
  assert.equal(stampOf(aimed, aimed - 2, 10), aimed, 'a little early: the aim');
  assert.equal(stampOf(aimed, aimed - 3_600_000 + 40, 10), aimed - 3_600_000, 'clock stepped back an hour');
  assert.equal(stampOf(aimed, aimed + 7_200_000 + 3_000, 10), aimed + 7_200_000, 'resumed two hours later');
});
