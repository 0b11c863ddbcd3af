import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { memoryCollector, memoryFromMeminfo } from './memory.ts';
import type { CollectContext } from './collector.ts';
import { SourceMissing } from '../source-missing.ts';
import { parseMeminfo } from '../procfs/meminfo.ts';
import { SnapshotBuilder } from '../snapshot.ts';
import { RateTracker } from '../rates.ts';
import { memoryLogger } from '../../lib/log.ts';

const fixture = (name: string) => readFile(new URL(`../procfs/testdata/${name}`, import.meta.url), 'utf8');
const ctx = (): CollectContext => ({ mono: 0, rates: new RateTracker(), log: memoryLogger() });
const KiB = 1024;

test("memoryFromMeminfo: this machine's capture", async () => {
  const m = memoryFromMeminfo(parseMeminfo(await fixture('meminfo')));
  assert.equal(m.total, 24684084 * KiB);
  assert.equal(m.available, 24207928 * KiB);
  assert.equal(m.used, (24684084 - 24207928) * KiB);
  assert.equal(m.cached, 3127920 * KiB);
  // No swap configured: 0 of 0, not missing.
  assert.equal(m.swapTotal, 0);
  assert.equal(m.swapUsed, 0);
});

test('memoryFromMeminfo: before 3.14, available is estimated as MemFree + Buffers + Cached', async () => {
  const m = memoryFromMeminfo(parseMeminfo(await fixture('meminfo-linux-3.2')));
  assert.equal(m.available, (140944 + 105636 + 1235660) * KiB);
  assert.equal(m.used, (2054328 - 140944 - 105636 - 1235660) * KiB);
  assert.equal(m.swapTotal, 1046524 * KiB);
  assert.equal(m.swapUsed, (1046524 - 993640) * KiB);
});

test('memoryFromMeminfo: MemTotal is required', () => {
  assert.throws(() => memoryFromMeminfo(parseMeminfo('MemFree: 10 kB\n')), /\/proc\/meminfo: no MemTotal/);
});

test('memoryCollector: a missing /proc/meminfo is SourceMissing naming the path', async () => {
  await assert.rejects(
    memoryCollector({ procRoot: '/nonexistent-proc' }).collect(new SnapshotBuilder(0), ctx()),
    (err: unknown) => err instanceof SourceMissing && err.message.includes('/nonexistent-proc/meminfo'),
  );
});

/** `free -b` columns by name, for Mem: and Swap:. */
async function free(): Promise<{ mem: Record<string, number>; swap: Record<string, number>; version: string }> {
  const run = promisify(execFile);
  const { stdout } = await run('free', ['-b']);
  const { stdout: v } = await run('free', ['-V']);
  const [header, memLine, swapLine] = stdout.trim().split('\n');
  const names = header.trim().split(/\s+/);
  const row = (line: string) =>
    Object.fromEntries(
      line
        .trim()
        .split(/\s+/)
        .slice(1)
        .map((x, i) => [names[i], Number(x)]),
    );
  return { mem: row(memLine), swap: row(swapLine), version: v.trim() };
}

test('memoryCollector: agrees with `free -b` on this machine (live)', async () => {
  // free before and after the collector: on a busy machine memory moves between the reads, so
  // Berth's figure must lie between the two, give or take 1 % of the total.
  const before = await free();
  const out = new SnapshotBuilder(0);
  await memoryCollector({ procRoot: '/proc' }).collect(out, ctx());
  const f = await free();
  const h = out.host;
  assert.equal(h.mem_total_bytes, f.mem.total);
  const slack = 0.01 * f.mem.total;
  const within = (a: number, pick: (x: Awaited<ReturnType<typeof free>>) => number, what: string) => {
    const [lo, hi] = [pick(before), pick(f)].sort((x, y) => x - y);
    assert.ok(a >= lo - slack && a <= hi + slack, `${what}: berth ${a} vs free ${lo}…${hi} (${f.version})`);
  };
  // What we call used is free's total − available in every procps version…
  within(h.mem_used_bytes, (x) => x.mem.total - x.mem.available, 'total − available');
  within(h.mem_available_bytes, (x) => x.mem.available, 'available');
  // …and free's own "used" column where free computes it that way (procps-ng 4.0.x; 3.3.x printed
  // total − free − buff/cache). Either way free must be using one of the two known formulas.
  const freeUsesAvailable = f.mem.used === f.mem.total - f.mem.available;
  assert.ok(
    freeUsesAvailable || f.mem.used === f.mem.total - f.mem.free - f.mem['buff/cache'],
    `free's used is neither formula (${f.version})`,
  );
  if (freeUsesAvailable) within(h.mem_used_bytes, (x) => x.mem.used, 'used');
  assert.equal(h.swap_total_bytes, f.swap.total);
  within(h.swap_used_bytes, (x) => x.swap.used, 'swap used');
});
