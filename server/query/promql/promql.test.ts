// The PromQL pieces by table: quoting that no label value can break out of, the bucket
// window that lands exactly on SQLite's buckets, answers placed on the route's grid.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  aggregate,
  anyOf,
  bucketQuery,
  liveQuery,
  quote,
  sampleValue,
  selector,
  splitGrid,
  toColumn,
} from './promql.ts';

test('quote: a label value stays one string literal whatever it holds', () => {
  const cases: [string, string][] = [
    ['web-1', '"web-1"'],
    ['a"b', '"a\\"b"'],
    ['a\\b', '"a\\\\b"'],
    ['"}) or vector(1) #', '"\\"}) or vector(1) #"'],
    ['line\nbreak', '"line\\nbreak"'],
    ['', '""'],
  ];
  for (const [v, want] of cases) assert.equal(quote(v), want, v);
});

test('selector and bucket queries', () => {
  assert.equal(selector('berth_host_cpu_percent'), 'berth_host_cpu_percent');
  assert.equal(
    selector('berth_container_cpu_percent', [
      ['host', 'h'],
      ['container', 'db'],
    ]),
    'berth_container_cpu_percent{host="h",container="db"}',
  );
  assert.equal(bucketQuery('max', 'x{host="h"}', 300), 'max_over_time(x{host="h"}[300s] offset 1ms)');
  assert.equal(liveQuery('x{host="h"}', 720, 750), 'x{host="h"}[31s]');
  assert.equal(anyOf(['a.b', 'c|d', 'e']), 'a\\.b|c\\|d|e');
});

test('splitGrid: ended buckets by query_range, the one now is in on its own, later ones not asked', () => {
  const cases: [number[], number, number, ReturnType<typeof splitGrid>][] = [
    [[600, 660, 720], 60, 1000, { range: { start: 660, end: 780 }, live: undefined }],
    [[600, 660, 720], 60, 750, { range: { start: 660, end: 720 }, live: 720 }],
    [[600, 660, 720], 60, 720, { range: { start: 660, end: 720 }, live: 720 }],
    [[600, 660, 720], 60, 610, { range: undefined, live: 600 }],
    [[600, 660, 720], 60, 500, { range: undefined, live: undefined }],
    [[], 60, 500, { range: undefined, live: undefined }],
  ];
  for (const [grid, step, now, want] of cases) assert.deepEqual(splitGrid(grid, step, now), want, `now ${now}`);
});

test('toColumn: the point at T fills the bucket that ends there', () => {
  const grid = [600, 660, 720, 780];
  const col = toColumn(
    [
      [660, '1.5'],
      [780, 'NaN'],
      [840, '4'],
      [900, '9'], // past the grid
      [541, '7'], // off the grid
    ],
    grid,
    60,
  );
  assert.deepEqual(col, [1.5, null, null, 4]);
  assert.deepEqual(
    toColumn([[660, '1.23456']], grid, 60, (v) => Number(v.toPrecision(2))),
    [1.2, null, null, null],
  );
  assert.equal(sampleValue('+Inf'), null);
  assert.equal(sampleValue('-2e3'), -2000);
});

test('aggregate: avg, min, max of the samples from the bucket start on', () => {
  const v: [number, string][] = [
    [719, '100'],
    [720, '1'],
    [723, '4'],
    [726, 'NaN'],
    [729, '-2'],
  ];
  assert.equal(aggregate('avg', v, 720), 1);
  assert.equal(aggregate('min', v, 720), -2);
  assert.equal(aggregate('max', v, 720), 4);
  assert.equal(aggregate('max', v, 800), null);
  assert.equal(aggregate('avg', [], 0), null);
});
