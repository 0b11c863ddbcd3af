import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { parseIpVsStatsPerCpu } from './ip-vs-stats-percpu.ts';

const fixture = (name: string) => readFile(new URL(`./testdata/${name}`, import.meta.url), 'utf8');
const HEAD =
  '       Total Incoming Outgoing         Incoming         Outgoing\nCPU    Conns  Packets  Packets            Bytes            Bytes\n';
const ROW = '  0        1        2        3                4                5\n';
const TOTAL = '  ~        1        2        3                4                5\n';

test('parseIpVsStatsPerCpu: every possible CPU, the "~" total and the rates', async () => {
  const s = parseIpVsStatsPerCpu(await fixture('ip_vs_stats_percpu-8possible-1'));
  assert.deepEqual(
    s.cpus.map((c) => c.cpu),
    [0, 1, 2, 3, 4, 5, 6, 7],
  );
  assert.deepEqual(s.cpus[1], {
    cpu: 1,
    conns: 1100,
    inPackets: 2_100_000,
    outPackets: 2_000_000,
    inBytes: 1_600_000_000,
    outBytes: 21_000_000_000,
  });
  assert.equal(s.cpus[5].conns, 0);
  // The kernel's "~" line is the sum of the rows.
  for (const k of ['conns', 'inPackets', 'outPackets', 'inBytes', 'outBytes'] as const) {
    assert.equal(
      s.total[k],
      s.cpus.reduce((n, c) => n + c[k], 0),
      k,
    );
  }
  assert.equal(s.rates?.conns, 405);
});

test('parseIpVsStatsPerCpu: CPU numbers are hex', async () => {
  const s = parseIpVsStatsPerCpu(await fixture('ip_vs_stats_percpu-16cpu'));
  assert.deepEqual(
    s.cpus.map((c) => c.cpu),
    Array.from({ length: 16 }, (_, i) => i),
  );
  assert.equal(s.cpus[10].conns, 110);
  assert.equal(s.cpus[15].conns, 160);
});

test('parseIpVsStatsPerCpu: 32-bit counters near 2^32 (Linux < 4.1)', async () => {
  const s = parseIpVsStatsPerCpu(await fixture('ip_vs_stats_percpu-32bit-1'));
  assert.equal(s.cpus[0].conns, 0xffffff00);
  assert.equal(s.total.conns, 0xffffff10);
});

test('parseIpVsStatsPerCpu: malformed input names the file and the line', () => {
  const cases: [string, RegExp][] = [
    ['', /\/proc\/net\/ip_vs_stats_percpu: too short/],
    [`${HEAD}${ROW}`, /no "~" total line/],
    [`CPU\n${HEAD}${ROW}${TOTAL}`, /line 1: unexpected header/],
    [`${HEAD}${ROW}${ROW}${TOTAL}`, /line 4: CPU 0 listed twice/],
    [`${HEAD}  0        1        2\n${TOTAL}`, /line 3: expected 5 hex counters, got 2/],
    [`${HEAD}\n${TOTAL}`, /line 3: expected a CPU row/],
    [`${HEAD}${ROW}  ~        1        2        3\n`, /line 4: expected 5 hex counters, got 3/],
  ];
  for (const [text, re] of cases) assert.throws(() => parseIpVsStatsPerCpu(text), re, JSON.stringify(text));
});
