import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { parseStat, readStat } from './stat.ts';
import { SourceMissing } from '../source-missing.ts';

const fixture = (name: string) => readFile(new URL(`./testdata/${name}`, import.meta.url), 'utf8');

test("parseStat: this machine's /proc/stat (kernel 6.18, 10 columns)", async () => {
  const { cpu, cpus } = parseStat(await fixture('stat'));
  assert.deepEqual(
    cpus.map((c) => c.id),
    [0, 1],
  );
  assert.deepEqual(cpu, {
    user: 30679,
    nice: 0,
    system: 3151,
    idle: 41144,
    iowait: 603,
    irq: 0,
    softirq: 180,
    steal: 38,
    guest: 0,
    guestNice: 0,
  });
  // The aggregate line is the per-CPU sum (the kernel sums then prints, a tick may slip in between).
  for (const k of Object.keys(cpu) as (keyof typeof cpu)[]) {
    const sum = cpus.reduce((s, c) => s + c.times[k], 0);
    assert.ok(Math.abs(cpu[k] - sum) <= cpus.length, `${k}: ${cpu[k]} vs ${sum}`);
  }
});

test('parseStat: older kernels print fewer columns; the missing ones are 0', async () => {
  const v24 = parseStat(await fixture('stat-linux-2.4'));
  assert.deepEqual(v24.cpu, {
    user: 1206,
    nice: 0,
    system: 1193,
    idle: 40418,
    iowait: 0,
    irq: 0,
    softirq: 0,
    steal: 0,
    guest: 0,
    guestNice: 0,
  });
  const v26 = parseStat(await fixture('stat-linux-2.6.18'));
  assert.equal(v26.cpu.iowait, 6290);
  assert.equal(v26.cpu.steal, 0);
  assert.equal(v26.cpu.guest, 0);
  assert.equal(v26.cpus.length, 2);
});

test('parseStat: offline CPUs leave gaps in the ids', async () => {
  const s = parseStat(await fixture('stat-offline-cpu'));
  assert.deepEqual(
    s.cpus.map((c) => c.id),
    [0, 2],
  );
  assert.equal(s.cpu.guest, 175628);
});

test('parseStat: malformed input names the file and the line', async () => {
  const cases: [string, RegExp][] = [
    ['', /\/proc\/stat: .*no aggregate cpu line/],
    [await fixture('stat-no-cpu'), /\/proc\/stat: .*no aggregate cpu line/],
    [await fixture('stat-short-cpu'), /\/proc\/stat: line 1: expected at least 4 counters, got 3: "cpu  2255 34 2290"/],
    [await fixture('stat-bad-counter'), /\/proc\/stat: line 1: system is not a counter/],
    ['cpu 1 2 3 4\ncpu 1 2 3 4\n', /line 2: second aggregate cpu line/],
    ['cpu 1 2 3 4\ncpuX 1 2 3 4\n', /line 2: unknown cpu line cpuX/],
  ];
  for (const [text, re] of cases) assert.throws(() => parseStat(text), re, JSON.stringify(text.slice(0, 40)));
});

test('readStat: a missing file is SourceMissing naming the path', async () => {
  await assert.rejects(
    readStat('/nonexistent-proc'),
    (err: unknown) => err instanceof SourceMissing && err.message.includes('/nonexistent-proc/stat'),
  );
});

test('readStat: the live /proc/stat parses', async () => {
  const s = await readStat('/proc');
  assert.ok(s.cpus.length >= 1);
  assert.ok(s.cpu.idle > 0);
});
