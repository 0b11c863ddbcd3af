import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { cpuCollector, cpuPercent } from './cpu.ts';
import type { CollectContext } from './collector.ts';
import { SourceMissing } from '../source-missing.ts';
import { SnapshotBuilder } from '../snapshot.ts';
import { RateTracker } from '../rates.ts';
import { memoryLogger } from '../../lib/log.ts';
import type { CpuTimes } from '../procfs/stat.ts';
import { tempDir } from '../../test/support/temp.ts';

const ctx = (mono: number): CollectContext => ({ mono, rates: new RateTracker(), log: memoryLogger() });
const times = (t: Partial<CpuTimes>): CpuTimes => ({
  user: 0,
  nice: 0,
  system: 0,
  idle: 0,
  iowait: 0,
  irq: 0,
  softirq: 0,
  steal: 0,
  guest: 0,
  guestNice: 0,
  ...t,
});

test('cpuPercent: shares of the elapsed ticks, as top prints them', () => {
  const prev = times({ user: 1000, nice: 10, system: 500, idle: 8000, iowait: 100, irq: 5, softirq: 20, steal: 0 });
  // 400 ticks pass: 100 user, 20 nice, 40 system, 200 idle, 20 iowait, 4 irq, 6 softirq, 10 steal.
  const cur = times({ user: 1100, nice: 30, system: 540, idle: 8200, iowait: 120, irq: 9, softirq: 26, steal: 10 });
  const p = cpuPercent(prev, cur);
  assert.ok(p);
  assert.equal(p.busy, 45);
  assert.equal(p.user, (100 * 120) / 400);
  assert.equal(p.system, (100 * 50) / 400);
  assert.equal(p.iowait, 5);
  assert.equal(p.steal, 2.5);
  assert.equal(p.softirq, 1.5, 'softirq alone, 6 of 400 ticks');
  // Everything that is not idle or iowait is busy.
  assert.ok(Math.abs(p.busy - (p.user + p.system + p.steal)) < 1e-9);
});

test('cpuPercent: guest time is not counted twice', () => {
  // A VM host: 100 ticks of guest, which the kernel already put in user.
  const p = cpuPercent(times({}), times({ user: 100, guest: 100, idle: 100 }));
  assert.equal(p?.busy, 50);
  assert.equal(p?.user, 50);
});

test('cpuPercent: nothing for no elapsed time or counters that went back', () => {
  const a = times({ user: 100, idle: 100 });
  assert.equal(cpuPercent(a, a), undefined);
  assert.equal(cpuPercent(a, times({ user: 10, idle: 10 })), undefined);
});

test('cpuPercent: iowait stepping back (proc(5) says it can) counts as 0, as in top', () => {
  const p = cpuPercent(times({ user: 100, idle: 100, iowait: 50 }), times({ user: 150, idle: 150, iowait: 45 }));
  assert.ok(p);
  assert.equal(p.iowait, 0);
  assert.equal(p.busy, 50);
});

test('cpuPercent: a host that is all idle, and one that is all busy', () => {
  assert.equal(cpuPercent(times({}), times({ idle: 500 }))?.busy, 0);
  assert.equal(cpuPercent(times({}), times({ system: 300, softirq: 200 }))?.busy, 100);
});

async function procRootWith(stat: string): Promise<string> {
  const dir = tempDir('berth-cpu-');
  await writeFile(path.join(dir, 'stat'), stat);
  return dir;
}

test('cpuCollector: first read yields nothing, the second the shares of the step', async () => {
  const dir = await procRootWith('cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 100 0 50 800 50 0 0 0 0 0\n');
  const c = cpuCollector({ procRoot: dir });
  const first = new SnapshotBuilder(1);
  await c.collect(first, ctx(1));
  assert.deepEqual(first.host, {});
  await writeFile(path.join(dir, 'stat'), 'cpu  160 20 70 850 70 0 10 20 0 0\ncpu0 160 20 70 850 70 0 10 20 0 0\n');
  const second = new SnapshotBuilder(2);
  await c.collect(second, ctx(2));
  // 200 ticks: 80 user+nice, 30 system+softirq, 50 idle, 20 iowait, 20 steal → busy 65 %.
  assert.deepEqual(second.host, {
    cpu_pct: 65,
    cpu_user_pct: 40,
    cpu_system_pct: 15,
    cpu_iowait_pct: 10,
    cpu_steal_pct: 10,
    cpu_softirq_pct: 5,
  });
});

test('cpuCollector: a missing /proc/stat is SourceMissing naming the path', async () => {
  const c = cpuCollector({ procRoot: '/nonexistent-proc' });
  await assert.rejects(
    c.collect(new SnapshotBuilder(0), ctx(0)),
    (err: unknown) => err instanceof SourceMissing && err.message.includes('/nonexistent-proc/stat'),
  );
});

test('cpuCollector: agrees with /proc/stat read by the test over the same window (live)', async () => {
  const raw = async () =>
    (await readFile('/proc/stat', 'utf8')).split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
  const c = cpuCollector({ procRoot: '/proc' });
  const a = await raw();
  await c.collect(new SnapshotBuilder(0), ctx(0));
  // Half a second of spinning, half of sleeping, so the figure is neither 0 nor 100.
  const until = Date.now() + 500;
  while (Date.now() < until) Math.sqrt(Math.random());
  await new Promise((r) => setTimeout(r, 500));
  const out = new SnapshotBuilder(1);
  await c.collect(out, ctx(1));
  const b = await raw();
  const d = b.map((v, i) => v - a[i]);
  const total = d.reduce((s, v) => s + v, 0);
  const expected = 100 * (1 - (d[3] + d[4]) / total);
  const got = out.host.cpu_pct;
  assert.ok(got !== undefined && got > 0 && got <= 100, `cpu_pct ${got}`);
  assert.ok(
    Math.abs(got - expected) <= 3,
    `collector ${got.toFixed(2)} vs test ${expected.toFixed(2)} (${total} ticks)`,
  );
  assert.ok(Math.abs(out.host.cpu_user_pct - (100 * (d[0] + d[1])) / total) <= 3);
});
