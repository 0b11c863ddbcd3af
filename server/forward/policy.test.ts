// The delivery policy by tables: what each answer does to the queue and when the next try is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffMs, decide, initialState, retryAfterMs, type Answer } from './policy.ts';

const NOW = Date.UTC(2026, 0, 1);

test('answers and what they do', () => {
  const cases: [string, Answer, number, string][] = [
    ['200 takes them', { status: 200 }, 5, 'ack'],
    ['204 takes them', { status: 204 }, 1, 'ack'],
    ['400 on several: split', { status: 400 }, 5, 'split'],
    ['413 on several: split', { status: 413 }, 2, 'split'],
    ['400 on one: given up', { status: 400 }, 1, 'drop'],
    ['422 on one: given up', { status: 422 }, 1, 'drop'],
    ['409 on one: given up', { status: 409 }, 1, 'drop'],
    ['500: again later', { status: 500 }, 5, 'retry'],
    ['503: again later', { status: 503 }, 1, 'retry'],
    ['429: again later', { status: 429 }, 1, 'retry'],
    ['401 (a token to fix): kept', { status: 401 }, 1, 'retry'],
    ['404 (a path to fix): kept', { status: 404 }, 1, 'retry'],
    ['a redirect: kept', { status: 302 }, 1, 'retry'],
    ['no connection: again later', { error: 'ECONNREFUSED' }, 3, 'retry'],
  ];
  for (const [what, answer, records, want] of cases)
    assert.equal(decide(initialState(100), answer, records, 100, 0.5, NOW).action.kind, want, what);
});

test('a split halves the next request; successes double it back up to the most', () => {
  let s = decide(initialState(100), { status: 413 }, 100, 100, 0, NOW).state;
  assert.equal(s.limit, 50);
  s = decide(s, { status: 413 }, 50, 100, 0, NOW).state;
  assert.equal(s.limit, 25);
  for (const want of [50, 100, 100]) {
    s = decide(s, { status: 200 }, s.limit, 100, 0, NOW).state;
    assert.equal(s.limit, want);
  }
});

test('backoff grows exponentially to its cap, half of it random, and resets after a success', () => {
  const delays: number[] = [];
  let s = initialState(10);
  for (let i = 0; i < 10; i++) {
    const d = decide(s, { status: 503 }, 1, 10, 1, NOW);
    s = d.state;
    delays.push((d.action as { delayMs: number }).delayMs);
  }
  assert.deepEqual(delays, [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000]);
  for (let f = 1; f < 10; f++) {
    assert.ok(backoffMs(f, 0) >= backoffMs(f, 1) / 2, 'at least half');
    assert.ok(backoffMs(f, 0) > 0);
  }
  s = decide(s, { status: 200 }, 1, 10, 0, NOW).state;
  assert.equal(s.failures, 0);
  const after = decide(s, { status: 503 }, 1, 10, 1, NOW).action as { delayMs: number };
  assert.equal(after.delayMs, 500);
});

test('429 waits at least what Retry-After asks, within five minutes', () => {
  const wait = (h: string | null) =>
    (decide(initialState(1), { status: 429, retryAfter: h }, 1, 1, 0, NOW).action as { delayMs: number }).delayMs;
  assert.equal(wait('7'), 7000);
  assert.equal(wait(new Date(NOW + 20_000).toUTCString()), 20_000);
  assert.equal(wait('86400'), 300_000);
  assert.equal(wait(null), 250);
  assert.equal(wait('soon'), 250);
  assert.equal(retryAfterMs(new Date(NOW - 5000).toUTCString(), NOW), 0);
});
