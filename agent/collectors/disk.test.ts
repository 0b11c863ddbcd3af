import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BLOCK_DEVICES_SECONDS, diskCollector, looksLikePartition, readBlockDevices, selectDisks } from './disk.ts';
import type { CollectContext } from './collector.ts';
import { SourceMissing } from '../source-missing.ts';
import { parseDiskstats } from '../procfs/diskstats.ts';
import { SnapshotBuilder } from '../snapshot.ts';
import { RateTracker } from '../rates.ts';
import { memoryLogger } from '../../lib/log.ts';
import { tempDir } from '../../test/support/temp.ts';

const fixture = (name: string) => readFile(new URL(`../procfs/testdata/${name}`, import.meta.url), 'utf8');

interface Counters {
  reads?: number;
  sectorsRead?: number;
  writes?: number;
  sectorsWritten?: number;
  ioMs?: number;
}
/** One /proc/diskstats line in the 20-field format, counters not given are 0. */
function line(major: number, minor: number, name: string, c: Counters): string {
  const f = [
    c.reads ?? 0,
    0,
    c.sectorsRead ?? 0,
    0,
    c.writes ?? 0,
    0,
    c.sectorsWritten ?? 0,
    0,
    0,
    c.ioMs ?? 0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
  ];
  return `${String(major).padStart(4)} ${String(minor).padStart(7)} ${name} ${f.join(' ')}\n`;
}

/** A sysfs with /sys/block/NAME(/slaves/LOWER) as the kernel lays it out. */
async function sysWith(disks: Record<string, string[]>): Promise<string> {
  const root = tempDir('berth-sys-');
  for (const [name, slaves] of Object.entries(disks)) {
    await mkdir(path.join(root, 'block', name, 'slaves'), { recursive: true });
    for (const s of slaves) await mkdir(path.join(root, 'block', name, 'slaves', s));
  }
  return root;
}

test('looksLikePartition: kernel partition names', () => {
  for (const n of [
    'sda1',
    'sdaa12',
    'vda2',
    'xvda1',
    'hdb3',
    'nvme0n1p1',
    'mmcblk0p2',
    'nbd0p1',
    'md127p1',
    'cciss/c0d0p1',
  ]) {
    assert.equal(looksLikePartition(n), true, n);
  }
  for (const n of [
    'sda',
    'vda',
    'xvdf',
    'nvme0n1',
    'nvme10n2',
    'mmcblk0',
    'md0',
    'dm-0',
    'sr0',
    'nbd0',
    'cciss/c0d0',
  ]) {
    assert.equal(looksLikePartition(n), false, n);
  }
});

test('selectDisks: without /sys/block, names decide (14-field capture)', async () => {
  const picked = selectDisks(parseDiskstats(await fixture('diskstats-linux-4.14')), undefined);
  assert.deepEqual(
    picked.map((d) => [d.stats.name, d.stacked]),
    [
      ['sda', false],
      ['sdb', false],
      ['dm-0', true],
      ['nvme0n1', false],
    ],
  );
});

test('selectDisks: without /sys/block (18-field capture): md is stacked, mmcblk0 is a disk', async () => {
  const picked = selectDisks(parseDiskstats(await fixture('diskstats-linux-5.4')), undefined);
  assert.deepEqual(
    picked.map((d) => [d.stats.name, d.stacked]),
    [
      ['nvme0n1', false],
      ['md0', true],
      ['mmcblk0', false],
    ],
  );
});

test('selectDisks: /sys/block decides whole disks and stacking; loop, zram and idle devices are left out', async () => {
  const sys = await sysWith({ sda: [], sdb: [], 'dm-0': ['sda2'], loop0: [], sr0: [], nvme0n1: [] });
  const block = await readBlockDevices(sys);
  const picked = selectDisks(parseDiskstats(await fixture('diskstats-linux-4.14')), block);
  assert.deepEqual(
    picked.map((d) => [d.stats.name, d.stacked]),
    [
      ['sda', false],
      ['sdb', false],
      ['dm-0', true],
      ['nvme0n1', false],
    ],
  );
  // This machine's capture: vda only (loops and zram are not disks; all of them idle anyway).
  const real = selectDisks(
    parseDiskstats(await fixture('diskstats')),
    await readBlockDevices(await sysWith({ vda: [], zram0: [], loop0: [] })),
  );
  assert.deepEqual(
    real.map((d) => d.stats.name),
    ['vda'],
  );
  assert.equal(await readBlockDevices(path.join(sys, 'nope')), undefined);
});

test('diskCollector: iostat-style rates over two readings', async () => {
  const procRoot = tempDir('berth-proc-');
  const sysRoot = await sysWith({ sda: [], nvme0n1: [], 'dm-0': ['sda2'] });
  const write = (text: string) => writeFile(path.join(procRoot, 'diskstats'), text);
  const c = diskCollector({ procRoot, sysRoot });
  const rates = new RateTracker();
  const ctx = (mono: number): CollectContext => ({ mono, rates, log: memoryLogger() });

  await write(
    line(8, 0, 'sda', { reads: 100, sectorsRead: 8000, writes: 50, sectorsWritten: 4000, ioMs: 1000 }) +
      line(8, 2, 'sda2', { reads: 100, sectorsRead: 8000 }) +
      line(259, 0, 'nvme0n1', { reads: 10, sectorsRead: 80, ioMs: 500 }) +
      line(253, 0, 'dm-0', { reads: 100, sectorsRead: 8000, ioMs: 900 }),
  );
  const first = new SnapshotBuilder(1);
  await c.collect(first, ctx(50));
  assert.deepEqual(first.host, {});
  assert.deepEqual(first.series, []);

  // 10 s later: sda read 10 MiB in 1000 reads and wrote 20 MiB in 500 writes, busy 2.5 s of 10;
  // nvme0n1 claims 20 s of io_ticks in 10 s (the counter can run ahead), which caps at 100 %.
  await write(
    line(8, 0, 'sda', {
      reads: 1100,
      sectorsRead: 8000 + 20480,
      writes: 550,
      sectorsWritten: 4000 + 40960,
      ioMs: 3500,
    }) +
      line(8, 2, 'sda2', { reads: 1100, sectorsRead: 8000 + 20480 }) +
      line(259, 0, 'nvme0n1', { reads: 20, sectorsRead: 80 + 2048, ioMs: 20500 }) +
      line(253, 0, 'dm-0', { reads: 1100, sectorsRead: 8000 + 20480, ioMs: 3400 }),
  );
  const second = new SnapshotBuilder(2);
  await c.collect(second, ctx(60));
  const got = Object.fromEntries(second.series.map((s) => [`${s.name}{${s.labels.disk}}`, s.value]));
  assert.deepEqual(got, {
    'disk_read_bps{sda}': 1048576,
    'disk_write_bps{sda}': 2097152,
    'disk_read_iops{sda}': 100,
    'disk_write_iops{sda}': 50,
    'disk_busy_pct{sda}': 25,
    'disk_read_bps{nvme0n1}': 104857.6,
    'disk_write_bps{nvme0n1}': 0,
    'disk_read_iops{nvme0n1}': 1,
    'disk_write_iops{nvme0n1}': 0,
    'disk_busy_pct{nvme0n1}': 100,
    'disk_read_bps{dm-0}': 1048576,
    'disk_write_bps{dm-0}': 0,
    'disk_read_iops{dm-0}': 100,
    'disk_write_iops{dm-0}': 0,
    'disk_busy_pct{dm-0}': 25,
  });
  // dm-0's reads are sda's reads: counted once.
  assert.deepEqual(second.host, { disk_read_bps: 1048576 + 104857.6, disk_write_bps: 2097152 });
});

test('diskCollector: /sys/block is read again when diskstats names other devices, or after a while', async () => {
  const procRoot = tempDir('berth-proc-');
  const sysRoot = await sysWith({ sda: [] });
  const c = diskCollector({ procRoot, sysRoot });
  const rates = new RateTracker();
  const disks = async (mono: number, text: string) => {
    await writeFile(path.join(procRoot, 'diskstats'), text);
    const out = new SnapshotBuilder(mono);
    await c.collect(out, { mono, rates, log: memoryLogger() });
    return [...new Set(out.series.map((s) => s.labels.disk))].sort();
  };
  const sda = (n: number) => line(8, 0, 'sda', { reads: n, sectorsRead: n * 8 });
  const md0 = (n: number) => line(9, 0, 'md0', { reads: n, sectorsRead: n * 8 });
  await disks(0, sda(1));
  assert.deepEqual(await disks(10, sda(2)), ['sda']);
  // A RAID volume made: a new name in diskstats, so /sys/block is listed again, at once.
  await mkdir(path.join(sysRoot, 'block', 'md0', 'slaves', 'sda'), { recursive: true });
  await disks(20, sda(3) + md0(1));
  const second = new SnapshotBuilder(30);
  await writeFile(path.join(procRoot, 'diskstats'), sda(4) + md0(2));
  await c.collect(second, { mono: 30, rates, log: memoryLogger() });
  assert.deepEqual([...new Set(second.series.map((s) => s.labels.disk))].sort(), ['md0', 'sda']);
  assert.deepEqual(second.host, { disk_read_bps: 512 * 8 * 0.1, disk_write_bps: 0 }, 'md0 stacked on sda');
  // What diskstats cannot show (sdb turned into a stacked device) waits for the bound.
  const hostRead = async (mono: number, text: string) => {
    await writeFile(path.join(procRoot, 'diskstats'), text);
    const out = new SnapshotBuilder(mono);
    await c.collect(out, { mono, rates, log: memoryLogger() });
    return out.host.disk_read_bps;
  };
  const sdb = (n: number) => line(8, 16, 'sdb', { reads: n, sectorsRead: n * 80 });
  await mkdir(path.join(sysRoot, 'block', 'sdb', 'slaves'), { recursive: true });
  await hostRead(40, sda(5) + md0(3) + sdb(1));
  assert.equal(await hostRead(50, sda(6) + md0(4) + sdb(2)), 512 * 8 * 0.1 + 512 * 80 * 0.1);
  await mkdir(path.join(sysRoot, 'block', 'sdb', 'slaves', 'sda'));
  assert.equal(await hostRead(60, sda(7) + md0(5) + sdb(3)), 512 * 8 * 0.1 + 512 * 80 * 0.1);
  assert.equal(
    await hostRead(40 + BLOCK_DEVICES_SECONDS, sda(8) + md0(6) + sdb(4)),
    (512 * 8) / (BLOCK_DEVICES_SECONDS - 20),
  );
});

test('diskCollector: io_ticks wraps at 2^32 ms; other counters going back are resets', async () => {
  const procRoot = tempDir('berth-proc-');
  const sysRoot = await sysWith({ sda: [] });
  const write = (text: string) => writeFile(path.join(procRoot, 'diskstats'), text);
  const c = diskCollector({ procRoot, sysRoot });
  const rates = new RateTracker();
  await write(line(8, 0, 'sda', { reads: 5000, sectorsRead: 100_000, ioMs: 2 ** 32 - 1000 }));
  await c.collect(new SnapshotBuilder(1), { mono: 0, rates, log: memoryLogger() });
  await write(line(8, 0, 'sda', { reads: 10, sectorsRead: 20, ioMs: 500 }));
  const out = new SnapshotBuilder(2);
  await c.collect(out, { mono: 10, rates, log: memoryLogger() });
  const got = Object.fromEntries(out.series.map((s) => [s.name, s.value]));
  assert.deepEqual(got, { disk_busy_pct: 15, disk_write_bps: 0, disk_write_iops: 0 });
  assert.deepEqual(out.host, {});
});

test('diskCollector: a missing /proc/diskstats is SourceMissing naming the path', async () => {
  await assert.rejects(
    diskCollector({ procRoot: '/nonexistent-proc' }).collect(new SnapshotBuilder(0), {
      mono: 0,
      rates: new RateTracker(),
      log: memoryLogger(),
    }),
    (err: unknown) => err instanceof SourceMissing && err.message.includes('/nonexistent-proc/diskstats'),
  );
});

test('diskCollector: live, the real /sys/block picks whole disks and rates are sane', async () => {
  const c = diskCollector({ procRoot: '/proc' });
  const rates = new RateTracker();
  await c.collect(new SnapshotBuilder(0), { mono: performance.now() / 1000, rates, log: memoryLogger() });
  await new Promise((r) => setTimeout(r, 200));
  const out = new SnapshotBuilder(1);
  await c.collect(out, { mono: performance.now() / 1000, rates, log: memoryLogger() });
  const disks = new Set(out.series.map((s) => s.labels.disk));
  for (const d of disks) assert.ok(!looksLikePartition(d) && !/^(loop|ram|zram)\d/.test(d), d);
  for (const s of out.series)
    assert.ok(s.value >= 0 && (s.name !== 'disk_busy_pct' || s.value <= 100), `${s.name} ${s.value}`);
});
