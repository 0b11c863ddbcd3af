import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  currentWindow,
  defaultState,
  isLive,
  maxPointsFor,
  parseRoute,
  parseState,
  routePath,
  stateUrl,
  toggled,
  type ViewState,
} from './state.ts';

const HOSTILE = '<img src=x onerror=alert(1)>';

test('routes: overview, host, container, with any characters in names', () => {
  const cases: [string, ReturnType<typeof parseRoute>][] = [
    ['/', { view: 'overview' }],
    ['', { view: 'overview' }],
    ['/nonsense', { view: 'overview' }],
    ['/host/', { view: 'overview' }],
    ['/host/app-1', { view: 'host', host: 'app-1' }],
    ['/host/app-1/container/web', { view: 'container', host: 'app-1', container: 'web' }],
    ['/host/app-1/container/', { view: 'host', host: 'app-1' }],
    ['/host/%E0%A4%A', { view: 'overview' }],
  ];
  for (const [path, want] of cases) assert.deepEqual(parseRoute(path), want, path);
  for (const r of [
    { view: 'host', host: 'a/b c' },
    { view: 'container', host: 'h', container: HOSTILE },
  ] as const) {
    assert.deepEqual(parseRoute(routePath(r)), r);
  }
});

test('a state survives the URL round trip, defaults left out', () => {
  const s: ViewState = {
    route: { view: 'container', host: 'db-1', container: HOSTILE },
    range: { from: 1_790_000_000, to: 1_790_086_400 },
    zoom: [
      [1_790_010_000, 1_790_020_000],
      [1_790_012_000, 1_790_013_000],
    ],
    hidden: ['a&b', 'c=d'],
    off: ['cpu:steal'],
    rank: 'mem_bytes',
    refresh: 0,
  };
  const url = stateUrl(s);
  const u = new URL(url, 'http://x');
  assert.deepEqual(parseState(u.pathname, u.search), s);
  assert.equal(stateUrl(defaultState({ view: 'host', host: 'h' })), '/host/h');
  assert.equal(stateUrl({ ...defaultState(), range: { preset: '7d' }, refresh: 5 }), '/?range=7d&refresh=5');
});

test('bad query values fall back to defaults instead of breaking the page', () => {
  const cases: [string, Partial<ViewState>][] = [
    ['?range=2y', { range: { preset: '1h' } }],
    ['?from=200&to=100', { range: { preset: '1h' } }],
    ['?from=abc&to=100&range=6h', { range: { preset: '6h' } }],
    ['?zoom=5-3&zoom=x&zoom=10-20', { zoom: [[10, 20]] }],
    ['?rank=__proto__', { rank: 'cpu_pct' }],
    ['?range=toString', { range: defaultState().range }],
    ['?range=__proto__', { range: defaultState().range }],
    ['?refresh=0', { refresh: null }],
    ['?refresh=off', { refresh: 0 }],
  ];
  for (const [q, want] of cases) {
    const got = parseState('/', q);
    for (const [k, v] of Object.entries(want)) assert.deepEqual(got[k as keyof ViewState], v, q);
  }
});

test('the window is the innermost zoom, else the range; presets are live', () => {
  const now = 1_800_000_000;
  const s = defaultState();
  assert.deepEqual(currentWindow({ ...s, range: { preset: '6h' } }, now), {
    from: now - 21600,
    to: now,
    live: true,
    zoomed: false,
  });
  assert.deepEqual(
    currentWindow(
      {
        ...s,
        zoom: [
          [1, 9],
          [2, 5],
        ],
      },
      now,
    ),
    { from: 2, to: 5, live: false, zoomed: true },
  );
  assert.equal(isLive({ ...s, range: { from: 1, to: 2 } }), false);
  assert.equal(isLive({ ...s, refresh: 0 }), false);
  assert.equal(isLive({ ...s, zoom: [[1, 2]] }), true, 'a zoom inside a live range keeps refreshing');
  assert.deepEqual(toggled(['a', 'b'], 'a'), ['b']);
  assert.deepEqual(toggled(['b'], 'a'), ['b', 'a']);
});

test('a chart asks for about one point per pixel of its own plot, not of the page', () => {
  // 1440 px: two columns of charts, each plot about 570 px wide.
  assert.ok(Math.abs(maxPointsFor(1440) - 571) <= 5, `${maxPointsFor(1440)} at 1440 px`);
  // A phone: one column.
  assert.ok(Math.abs(maxPointsFor(390) - 228) <= 5, `${maxPointsFor(390)} at 390 px`);
  // Wider pages get more columns, not wider plots; never fewer than 100 points.
  assert.ok(maxPointsFor(1800) <= maxPointsFor(1440));
  assert.equal(maxPointsFor(200), 100);
});
