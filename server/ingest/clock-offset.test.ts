import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clockOffset } from './clock-offset.ts';

const T = 1_790_000_000;
const http = (epoch: number) => new Date(epoch * 1000).toUTCString();

test("a clock's offset: from the Date header when sent, else from the newest sample against the arrival", () => {
  const cases: [string, Parameters<typeof clockOffset>[0], number | undefined][] = [
    ['Date 10 min ahead', { date: http(T + 600), arrival: T }, 600],
    ['Date 10 min behind', { date: http(T - 600), arrival: T }, -600],
    // A spooled batch sent hours after it was sampled: the Date header is when it was sent.
    ['Date exact, old samples', { date: http(T), arrival: T, newest: T - 7200, newestEver: true }, 0],
    ['Date unparsable: the samples', { date: 'yesterday', arrival: T, newest: T + 600 }, 600],
    ['Date at the epoch: the samples', { date: http(0), arrival: T, newest: T + 300 }, 300],
    ['no Date, newest ahead', { date: undefined, arrival: T, newest: T + 600, newestEver: false }, 600],
    [
      'no Date, live batch behind',
      { date: undefined, arrival: T, newest: T - 610, newestEver: true, interval: 10 },
      -600,
    ],
    [
      'no Date, live batch within an interval',
      { date: undefined, arrival: T, newest: T - 4, newestEver: true, interval: 10 },
      0,
    ],
    // A replayed backlog is old because it waited, not because a clock is off.
    [
      'no Date, older than the newest seen',
      { date: undefined, arrival: T, newest: T - 3600, newestEver: false },
      undefined,
    ],
    ['no Date, no samples', { date: undefined, arrival: T }, undefined],
  ];
  for (const [what, input, want] of cases) assert.equal(clockOffset(input), want, what);
});
