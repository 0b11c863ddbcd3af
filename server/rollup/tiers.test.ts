import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseTier, parseDuration, parseRetention, DEFAULT_RETENTION, DEFAULT_MAX_POINTS } from './tiers.ts';

const H = 3600;
const D = 86400;

test('the finest tier whose points fit maxPoints, for the ranges the page offers', () => {
  const cases: [string, number, number, number, { tier: string; step: number }][] = [
    ['15 min at 10 s', 900, 10, DEFAULT_MAX_POINTS, { tier: 'raw', step: 10 }],
    ['1 h at 10 s', H, 10, DEFAULT_MAX_POINTS, { tier: 'raw', step: 10 }],
    ['6 h at 10 s', 6 * H, 10, DEFAULT_MAX_POINTS, { tier: '1m', step: 60 }],
    ['24 h at 10 s', D, 10, DEFAULT_MAX_POINTS, { tier: '5m', step: 300 }],
    ['7 d at 10 s', 7 * D, 10, DEFAULT_MAX_POINTS, { tier: '1h', step: 3600 }],
    ['30 d at 10 s', 30 * D, 10, DEFAULT_MAX_POINTS, { tier: '1h', step: 3600 }],
    ['7 d with room for 2500 points', 7 * D, 10, 2500, { tier: '5m', step: 300 }],
    ['1 year: the 1 h tier, grouped by 9 h', 365 * D, 10, DEFAULT_MAX_POINTS, { tier: '1h', step: 9 * 3600 }],
    // An agent at 60 s has no use for the 1 m tier: its raw rows are as coarse.
    ['24 h at 60 s', D, 60, DEFAULT_MAX_POINTS, { tier: '5m', step: 300 }],
    ['10 h at 60 s', 10 * H, 60, DEFAULT_MAX_POINTS, { tier: 'raw', step: 60 }],
    ['an empty range', 0, 10, DEFAULT_MAX_POINTS, { tier: 'raw', step: 10 }],
  ];
  for (const [what, span, raw, max, want] of cases) {
    const got = chooseTier(1_790_000_000 - span, 1_790_000_000, raw, max);
    assert.deepEqual(got, want, what);
    assert.ok(span / got.step <= max, `${what}: ${span / got.step} points`);
  }
});

test('a range older than a tier keeps is read from the finest tier that still holds it', () => {
  const now = 1_790_000_000;
  const kept = (tier: keyof typeof DEFAULT_RETENTION) => now - DEFAULT_RETENTION[tier];
  const at = (ago: number, span: number) => chooseTier(now - ago - span, now - ago, 10, DEFAULT_MAX_POINTS, kept);
  assert.deepEqual(at(0, H), { tier: 'raw', step: 10 });
  assert.deepEqual(at(6 * D, H), { tier: 'raw', step: 10 });
  assert.deepEqual(at(14 * D, H), { tier: '1m', step: 60 }, 'raw is kept 7 days');
  assert.deepEqual(at(7 * D - 1800, H), { tier: '1m', step: 60 }, 'a range that starts before the raw horizon');
  assert.deepEqual(at(60 * D, H), { tier: '5m', step: 300 }, '1 m is kept 30 days');
  assert.deepEqual(at(400 * D, H), { tier: '1h', step: 3600 }, '5 m is kept 180 days');
  assert.deepEqual(at(3 * 365 * D, D), { tier: '1h', step: 3600 }, 'past every horizon: the coarsest tier (empty)');
});

test('durations and retention settings: valid forms, and errors that quote the bad part', () => {
  assert.equal(parseDuration('90d'), 90 * D);
  assert.equal(parseDuration(' 12h '), 12 * H);
  assert.equal(parseDuration('2y'), 2 * 365 * D);
  assert.equal(parseDuration('1w'), 7 * D);
  for (const bad of ['', '7', 'd', '7 days', '-1d', '1.5d', '0d', '7D'])
    assert.throws(() => parseDuration(bad), new RegExp(bad === '0d' ? 'longer than zero' : 'is not a duration'), bad);
  assert.deepEqual(parseRetention('raw=3d,1h=5y'), { ...DEFAULT_RETENTION, raw: 3 * D, '1h': 5 * 365 * D });
  assert.deepEqual(parseRetention(''), DEFAULT_RETENTION);
  assert.throws(() => parseRetention('raw=7d,2m=1d'), /"2m=1d" is not TIER=DURATION with TIER one of raw, 1m, 5m, 1h/);
  assert.throws(() => parseRetention('raw'), /"raw" is not TIER=DURATION/);
  assert.throws(() => parseRetention('raw=soon'), /"soon" is not a duration/);
  // Names an object has of its own accord are no tiers; nor is trailing text, nor a tier twice.
  for (const bad of ['toString=7d', 'constructor=1d', '__proto__=7d', 'hasOwnProperty=1h']) {
    assert.throws(() => parseRetention(bad), /is not TIER=DURATION/, bad);
  }
  assert.throws(() => parseRetention('raw=7d=1y'), /"raw=7d=1y" is not TIER=DURATION/);
  assert.throws(() => parseRetention('raw=1d,raw=30d'), /raw is given twice/);
  // A coarser tier kept for less time than a finer one could not redo its buckets from it.
  assert.throws(() => parseRetention('raw=7d,1m=1d'), /1m=1d is shorter than raw=7d/);
  assert.deepEqual(
    parseRetention('raw=60d'),
    { ...DEFAULT_RETENTION, raw: 60 * D, '1m': 60 * D },
    'a tier left at its default is raised to match',
  );
  assert.deepEqual(parseRetention('raw=90d,1m=90d,5m=1y,1h=1y'), {
    raw: 90 * D,
    '1m': 90 * D,
    '5m': 365 * D,
    '1h': 365 * D,
  });
});
