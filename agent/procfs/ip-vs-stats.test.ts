import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { parseHexCounter, parseIpVsStats } from './ip-vs-stats.ts';

const fixture = (name: string) => readFile(new URL(`./testdata/${name}`, import.meta.url), 'utf8');
const HEAD =
  '   Total Incoming Outgoing         Incoming         Outgoing\n   Conns  Packets  Packets            Bytes            Bytes\n';

test('parseIpVsStats: 64-bit counters (Linux >= 4.1) wider than eight digits', async () => {
  const s = parseIpVsStats(await fixture('ip_vs_stats-64bit-1'));
  assert.deepEqual(s.totals, {
    conns: 0x1234567,
    inPackets: 5_000_000_000,
    outPackets: 4_800_000_000,
    inBytes: 987_654_321_000,
    outBytes: 12_345_678_901_234,
  });
  assert.deepEqual(s.rates, {
    conns: 500,
    inPackets: 100_000,
    outPackets: 90_000,
    inBytes: 80_000_000,
    outBytes: 900_000_000,
  });
});

test('parseIpVsStats: 32-bit counters near 2^32 (Linux < 4.1)', async () => {
  const a = parseIpVsStats(await fixture('ip_vs_stats-32bit-1'));
  const b = parseIpVsStats(await fixture('ip_vs_stats-32bit-2'));
  assert.equal(a.totals.inPackets, 2 ** 32 - 1);
  assert.equal(b.totals.inPackets, 0x1869f);
  assert.equal(b.totals.inBytes, 0x10000000000 + 90_000_000);
});

test('parseIpVsStats: a file that stops after the totals has no rates', () => {
  const s = parseIpVsStats(`${HEAD}       1        2        3                4                5\n`);
  assert.deepEqual(s, { totals: { conns: 1, inPackets: 2, outPackets: 3, inBytes: 4, outBytes: 5 } });
});

test('parseIpVsStats: malformed input names the file and the line', () => {
  const cases: [string, RegExp][] = [
    ['', /\/proc\/net\/ip_vs_stats: too short/],
    [HEAD, /too short/],
    [`Total\n${HEAD}`, /line 1: unexpected header/],
    [`${HEAD}       1        2        3                4\n`, /line 3: expected 5 hex counters, got 4/],
    [
      `${HEAD}       1        2        Z                4                5\n`,
      /line 3: bad hex counter: "       1        2        Z/,
    ],
    [
      `${HEAD}       1        2        3                4                5\n\n Conns/s\n  x\n`,
      /line 6: expected 5 hex counters, got 1/,
    ],
  ];
  for (const [text, re] of cases) assert.throws(() => parseIpVsStats(text), re, JSON.stringify(text));
});

test('parseHexCounter: up to 64 bits, nothing else', () => {
  assert.equal(parseHexCounter('FFFFFFFF'), 4294967295);
  assert.equal(parseHexCounter('FFFFFFFFFFFFFFFF'), 2 ** 64);
  assert.equal(parseHexCounter('1FFFFFFFFFFFFFFFF'), undefined);
  assert.equal(parseHexCounter('-1'), undefined);
  assert.equal(parseHexCounter(''), undefined);
});
