import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RateTracker } from './rates.ts';

test('first read yields nothing, then bytes per second over the monotonic interval', () => {
  const r = new RateTracker();
  assert.equal(r.rate('eth0', 1000, 10), undefined);
  assert.equal(r.rate('eth0', 3000, 12), 1000);
  assert.equal(r.rate('eth0', 3000, 14), 0);
});

test('a counter that goes down is a reset: no sample, never negative; the next step is a rate again', () => {
  const r = new RateTracker();
  r.rate('c', 5_000_000, 0);
  assert.equal(r.rate('c', 100, 1), undefined);
  assert.equal(r.rate('c', 300, 2), 200);
});

test('a counter of known width that steps down wraps instead of resetting', () => {
  const r = new RateTracker();
  r.rate('conns', 2 ** 32 - 100, 0, 32);
  assert.equal(r.rate('conns', 50, 1, 32), 150);
  // A value above the width cannot be a wrap of that width: reset.
  r.rate('big', 2 ** 40, 0, 32);
  assert.equal(r.rate('big', 10, 1, 32), undefined);
});

test('no elapsed time gives no rate (never a division by zero or a spike)', () => {
  const r = new RateTracker();
  r.rate('x', 1, 5);
  assert.equal(r.rate('x', 100, 5), undefined);
});

test('keys not seen for a few sweeps are forgotten, so departed containers do not leak memory', () => {
  const r = new RateTracker();
  r.rate('gone', 1, 0);
  r.rate('stays', 1, 0);
  for (let i = 0; i < 5; i++) {
    r.sweep(3);
    r.rate('stays', i, i + 1);
  }
  assert.equal(r.size, 1);
});
