import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  diskUsedPct,
  formatAgo,
  formatBits,
  formatBytes,
  formatBytesOf,
  formatBytesRate,
  formatClockOffset,
  formatCount,
  formatDuration,
  formatPct,
  formatPerSecond,
  formatTicks,
  formatValue,
  fromLocalInput,
  toLocalInput,
} from './format.ts';

test('bytes are IEC with three significant digits and roll over at 1024', () => {
  const cases: [number, string][] = [
    [0, '0 B'],
    [512, '512 B'],
    [1023, '1023 B'],
    [1024, '1 KiB'],
    [1536, '1.5 KiB'],
    [1048575, '1 MiB'],
    [5.25 * 1024 ** 3, '5.25 GiB'],
    [123.4 * 1024 ** 2, '123 MiB'],
    [2 * 1024 ** 4, '2 TiB'],
    [-2048, '−2 KiB'],
  ];
  for (const [v, want] of cases) assert.equal(formatBytes(v), want, String(v));
  assert.equal(formatBytesRate(3 * 1024 ** 2), '3 MiB/s');
  assert.equal(formatBytesOf(4.14 * 1024 ** 3, 8 * 1024 ** 3), '4.14 / 8 GiB');
  assert.equal(formatBytesOf(300 * 1024 ** 2, 32 * 1024 ** 3), '0.29 / 32 GiB');
});

test('network rates read in SI bits per second', () => {
  const cases: [number, string][] = [
    [0, '0 bit/s'],
    [999, '999 bit/s'],
    [1000, '1 kbit/s'],
    [8e6, '8 Mbit/s'],
    [1.25e9, '1.25 Gbit/s'],
  ];
  for (const [v, want] of cases) assert.equal(formatBits(v), want);
});

test('percentages keep a second decimal only for tiny shares', () => {
  const cases: [number, string][] = [
    [0, '0.0 %'],
    [0.04, '0.04 %'],
    [3.456, '3.5 %'],
    [42.04, '42.0 %'],
    [129.4, '129 %'],
  ];
  for (const [v, want] of cases) assert.equal(formatPct(v), want);
});

test('counts, per-second rates, durations and ages', () => {
  assert.equal(formatCount(7), '7');
  assert.equal(formatCount(12_345), '12.3k');
  assert.equal(formatPerSecond(1500), '1.5k/s');
  const durations: [number, string][] = [
    [0, '0 s'],
    [45, '45 s'],
    [125, '2 min 5 s'],
    [3 * 86400 + 4 * 3600 + 59, '3 d 4 h'],
    [7200, '2 h'],
  ];
  for (const [v, want] of durations) assert.equal(formatDuration(v), want);
  const ages: [number, string][] = [
    [1, 'just now'],
    [12, '12 s ago'],
    [600, '10 min ago'],
    [5 * 3600, '5 h ago'],
    [3 * 86400, '3 d ago'],
  ];
  for (const [d, want] of ages) assert.equal(formatAgo(1_000_000, 1_000_000 - d), want);
});

test('formatClockOffset names a clock off by more than 30 s, ahead or behind', () => {
  const cases: [number | null, string | undefined][] = [
    [null, undefined],
    [0, undefined],
    [30, undefined],
    [-30, undefined],
    [31, 'clock 31 s ahead'],
    [600, 'clock 10 min ahead'],
    [-590, 'clock 9 min 50 s behind'],
    // A Date header's whole seconds and the transit: past a minute, to the nearest 10 s.
    [599, 'clock 10 min ahead'],
    [-587, 'clock 9 min 50 s behind'],
    [59, 'clock 59 s ahead'],
    [-7200, 'clock 2 h behind'],
  ];
  for (const [offset, want] of cases) assert.equal(formatClockOffset(offset), want, String(offset));
});

test('formatValue says "–" for missing values and picks the unit', () => {
  assert.equal(formatValue('bytes', null), '–');
  assert.equal(formatValue('pct', Number.NaN), '–');
  assert.equal(formatValue('bits_per_s', 2e6), '2 Mbit/s');
  assert.equal(formatValue('load', 1.234), '1.23');
});

test('axis ticks share one unit, chosen by the largest tick', () => {
  const GiB = 1024 ** 3;
  assert.deepEqual(formatTicks('bytes', [0, 0.5 * GiB, GiB, 1.5 * GiB]), ['0', '0.5 GiB', '1.0 GiB', '1.5 GiB']);
  assert.deepEqual(formatTicks('bytes', [0, 256 * 1024 ** 2, 512 * 1024 ** 2]), ['0', '256 MiB', '512 MiB']);
  assert.deepEqual(
    formatTicks('bits_per_s', [-5e6, 0, 5e6, 1e7]),
    ['5 Mbit/s', '0', '5 Mbit/s', '10 Mbit/s'],
    'mirrored ticks read as magnitudes',
  );
  assert.deepEqual(formatTicks('pct', [0, 25, 50]), ['0', '25 %', '50 %']);
  assert.deepEqual(formatTicks('load', [0, 0.5, 1]), ['0', '0.5', '1.0']);
});

test('datetime-local values round-trip in local time; bad text is undefined', () => {
  const ts = 1_790_000_000;
  assert.equal(fromLocalInput(toLocalInput(ts)), ts - (ts % 60));
  for (const bad of ['', '2026-13', 'yesterday', '2026-01-01 10:00']) assert.equal(fromLocalInput(bad), undefined, bad);
});

test('disk use as df counts it: used / (used + available); used / size when no available was sent', () => {
  // 252 GB file system, 25 GB used, 78 GB available (the rest held back): df shows 25 %.
  const G = 1e9;
  assert.ok(Math.abs(diskUsedPct(25 * G, 252 * G, 78 * G)! - 24.27) < 0.01);
  assert.ok(Math.abs(diskUsedPct(25 * G, 252 * G)! - 9.92) < 0.01);
  assert.equal(diskUsedPct(null, 252 * G, 78 * G), null);
  assert.equal(diskUsedPct(0, 0, 0), null);
});
