import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  binaryIncrements,
  hasData,
  lastIndex,
  mergeInto,
  prepData,
  readings,
  stackAreas,
  stackData,
  yExtent,
  type DataSet,
  type LineSpec,
} from './chart-data.ts';

const ds = (cols: DataSet['cols']): DataSet => ({ t: [0, 10, 20, 30], cols, step: 10, tier: '1m', from: 0, to: 30 });

test('prepData picks, scales and mirrors columns and keeps gaps as null', () => {
  const lines: LineSpec[] = [
    { key: 'rx', label: 'in', color: 'red', scale: 8, band: { min: 'rx_min', max: 'rx_max' } },
    { key: 'tx', label: 'out', color: 'red', scale: 8, mirror: true },
    { key: 'missing', label: 'none', color: 'blue' },
  ];
  const p = prepData(
    lines,
    ds({ rx: [1, null, 3, 4], rx_min: [0, null, 2, 4], rx_max: [2, null, 5, 4], tx: [1, 2, null, 0] }),
  );
  assert.deepEqual(p.data, [
    [0, 10, 20, 30],
    [8, null, 24, 32],
    [-8, -16, null, -0],
    [null, null, null, null],
  ]);
  assert.deepEqual(p.bands[0], { lo: [0, null, 16, 32], hi: [16, null, 40, 32] });
  assert.equal(p.bands[1], null);
  assert.equal(hasData(p), true);
  assert.equal(hasData(prepData(lines.slice(2), ds({}))), false);
});

test('the y extent covers shown lines and their bands, never an empty range', () => {
  const lines: LineSpec[] = [
    { key: 'a', label: 'a', color: 'x', band: { min: 'a_min', max: 'a_max' } },
    { key: 'b', label: 'b', color: 'x', mirror: true },
  ];
  const p = prepData(
    lines,
    ds({ a: [1, 2, 3, null], a_min: [0, 1, 1, null], a_max: [9, 2, 3, null], b: [5, 5, 5, 5] }),
  );
  assert.deepEqual(yExtent(p, [true, true]), [-5, 9], 'band peak and mirrored line');
  assert.deepEqual(yExtent(p, [true, false]), [0, 9]);
  assert.deepEqual(yExtent(p, [false, false]), [0, 1]);
  assert.deepEqual(yExtent(prepData([lines[1]], ds({ b: [0, 0, 0, 0] })), [true]), [0, 1]);
});

test('readings: values at the cursor, or the latest, biggest first within a limit', () => {
  const lines: LineSpec[] = ['a', 'b', 'c', 'gone'].map((k) => ({ key: k, label: k, color: 'x' }));
  const p = prepData(lines, {
    t: [0, 10, 20, 30, 40, 50],
    cols: {
      a: [1, 2, 3, 4, 5, null],
      b: [9, 8, 7, 6, 5, 4],
      c: [null, null, 1, 2, 3, 30],
      gone: [7, 7, null, null, null, null],
    },
    step: 10,
    tier: 'raw',
    from: 0,
    to: 50,
  });
  assert.deepEqual(readings(p, [true, true, true, true], 1), [
    { line: 0, value: 2 },
    { line: 1, value: 8 },
    { line: 3, value: 7 },
  ]);
  assert.deepEqual(
    readings(p, [true, true, true, true], null),
    [
      { line: 0, value: 5 },
      { line: 1, value: 4 },
      { line: 2, value: 30 },
    ],
    'a line that stopped long ago is not "latest"',
  );
  assert.deepEqual(readings(p, [true, true, true, true], null, 2), [
    { line: 2, value: 30 },
    { line: 0, value: 5 },
  ]);
  assert.deepEqual(readings(p, [false, true, false, false], 0), [{ line: 1, value: 9 }]);
  assert.equal(lastIndex([null, 1, null]), 1);
  assert.equal(lastIndex([null]), -1);
});

test('mergeInto puts several answers on one grid with prefixed keys', () => {
  const a = { t: [0, 60], step: 60, tier: '1m', from: 0, to: 60, series: { cpu_pct: [1, 2] } };
  const b = { ...a, series: { cpu_pct: [3, null] } };
  const m = mergeInto(mergeInto(undefined, a, 'x:'), b, 'y:');
  assert.deepEqual(m.cols, { 'x:cpu_pct': [1, 2], 'y:cpu_pct': [3, null] });
  assert.equal(m.step, 60);
  assert.ok(binaryIncrements().includes(512 * 1024 ** 2));
});

test('stacked lines are drawn as cumulative sums per stack; readouts keep the honest values', () => {
  const lines: LineSpec[] = [
    { key: 'a', label: 'a', color: 'x', stack: 'up', band: { min: 'a_min', max: 'a_max' } },
    { key: 'b', label: 'b', color: 'x', stack: 'up' },
    { key: 'c', label: 'c', color: 'x', stack: 'down', mirror: true },
    { key: 'd', label: 'd', color: 'x', stack: 'down', mirror: true },
    { key: 'e', label: 'e', color: 'x' },
  ];
  const p = prepData(
    lines,
    ds({
      a: [1, 2, null, null],
      a_min: [0, 1, null, null],
      a_max: [2, 3, null, null],
      b: [3, null, 5, null],
      c: [1, 1, 1, null],
      d: [2, 2, 2, null],
      e: [7, 7, 7, 7],
    }),
  );
  const s = stackData(p, lines, [true, true, true, true, true]);
  assert.deepEqual(s.data.slice(1), [
    [1, 2, 0, null],
    [4, 2, 5, null], // b sits on a; a missing point adds nothing; no value in the stack = gap
    [-1, -1, -1, null],
    [-3, -3, -3, null],
    [7, 7, 7, 7],
  ]);
  assert.deepEqual(s.lower, [[0, 0, 0, null], [1, 2, 0, null], [0, 0, 0, null], [-1, -1, -1, null], null]);
  assert.equal(s.bands[0], null, 'no min–max band on a stacked line');
  const areas = stackAreas(s);
  assert.deepEqual(areas.bands[1], { lo: [1, 2, 0, null], hi: [4, 2, 5, null] });
  assert.equal(areas.bands[4], null);
  assert.deepEqual(yExtent(s, [true, true, true, true, true]), [-3, 7]);
  // Readouts read the prepared (honest) columns: b is 3 at the first point, not 4.
  assert.deepEqual(readings(p, [true, true, true, true, true], 0), [
    { line: 0, value: 1 },
    { line: 1, value: 3 },
    { line: 2, value: -1 },
    { line: 3, value: -2 },
    { line: 4, value: 7 },
  ]);
  // Hiding a line takes it out of the sums.
  const hidden = stackData(p, lines, [false, true, true, true, true]);
  assert.deepEqual(hidden.data[2], [3, null, 5, null]);
  assert.deepEqual(hidden.data[1], [1, 2, null, null], 'a hidden line keeps its own values (it is not drawn)');
});
