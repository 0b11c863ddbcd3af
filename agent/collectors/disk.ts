// Host disk I/O from /proc/diskstats, as `iostat -d -x` shows it: per-disk rates as labelled
// series, and host totals disk_read_bps / disk_write_bps.
//
// Which devices:
// - whole disks only: a name listed in <sysRoot>/block (partitions live below their disk
//   there); without /sys/block, a name heuristic (sda1, nvme0n1p1, mmcblk0p1 are partitions);
// - never loop, ram, zram, fd: not disks (a loop device's reads are reads of a file already
//   counted on its disk, zram is compressed RAM); sr (optical) and others stay;
// - never a device that has done no I/O since boot, as iostat hides it (an empty sr0, unused
//   nbd slots).
// Host totals leave out stacked devices (dm-*, md*: anything with entries in
// /sys/block/NAME/slaves), whose I/O is counted again on the disks beneath; their per-disk
// series are still sent, so LVM and RAID volumes can be looked at.
//
// disk_busy_pct is iostat's %util: Δio_ticks (ms) / elapsed (ms) × 100, capped at 100. It is
// the share of time with any I/O in flight, which saturates on SSDs long before they do.
import { readdir } from 'node:fs/promises';
import type { CollectContext, Collector } from './collector.ts';
import type { SnapshotBuilder } from '../snapshot.ts';
import { SECTOR_BYTES, readDiskstats, type DiskStats } from '../procfs/diskstats.ts';
import { underRoot } from '../procfs/procfile.ts';

const NOT_DISKS = /^(?:loop|ram|zram|fd)\d+$/;

/** Partition names as the kernel forms them, for when /sys/block cannot be read. */
const PARTITION =
  /^(?:(?:[shv]d|xvd)[a-z]+\d+|(?:nvme\d+n\d+|mmcblk\d+|nbd\d+|md\d+|rbd\d+|zd\d+|loop\d+)p\d+|(?:cciss|ida|rd)\/c\d+d\d+p\d+)$/;
const STACKED = /^(?:dm-|md)\d+$/;

export function looksLikePartition(name: string): boolean {
  return PARTITION.test(name);
}

/** What /sys/block says: whole-disk names (with `/` for sysfs's `!`) and the stacked ones. */
export interface BlockDevices {
  whole: Set<string>;
  stacked: Set<string>;
}

export async function readBlockDevices(sysRoot: string): Promise<BlockDevices | undefined> {
  let entries: string[];
  try {
    entries = await readdir(underRoot(sysRoot, 'block'));
  } catch {
    return undefined;
  }
  // An empty listing (sysfs masked in a container) says nothing: use the heuristics.
  if (entries.length === 0) return undefined;
  const whole = new Set<string>();
  const stacked = new Set<string>();
  await Promise.all(
    entries.map(async (entry) => {
      const name = entry.replace(/!/g, '/');
      whole.add(name);
      const slaves = await readdir(underRoot(sysRoot, `block/${entry}/slaves`)).catch(() => []);
      if (slaves.length > 0) stacked.add(name);
    }),
  );
  return { whole, stacked };
}

export interface SelectedDisk {
  stats: DiskStats;
  /** Built on other block devices: left out of the host totals. */
  stacked: boolean;
}

/** The whole, real, used disks among diskstats lines (pure; `block` undefined → heuristics). */
export function selectDisks(all: readonly DiskStats[], block: BlockDevices | undefined): SelectedDisk[] {
  const out: SelectedDisk[] = [];
  for (const d of all) {
    if (NOT_DISKS.test(d.name)) continue;
    if (block ? !block.whole.has(d.name) : looksLikePartition(d.name)) continue;
    const ios = d.readsCompleted + d.writesCompleted + (d.discardsCompleted ?? 0) + (d.flushesCompleted ?? 0);
    if (ios === 0) continue;
    out.push({ stats: d, stacked: block ? block.stacked.has(d.name) : STACKED.test(d.name) });
  }
  return out;
}

/** Per-disk series and host totals; totals only when every counted disk has a rate. */
export function emitDisks(out: SnapshotBuilder, ctx: CollectContext, disks: readonly SelectedDisk[]): void {
  let readTotal = 0;
  let writeTotal = 0;
  let complete = true;
  let counted = 0;
  for (const { stats: d, stacked } of disks) {
    const labels = { disk: d.name };
    const rate = (what: string, v: number, width?: number) =>
      ctx.rates.rate(`disk:${what}:${d.name}`, v, ctx.mono, width);
    const readSectors = rate('sectors_read', d.sectorsRead);
    const writeSectors = rate('sectors_written', d.sectorsWritten);
    const read = readSectors === undefined ? undefined : readSectors * SECTOR_BYTES;
    const write = writeSectors === undefined ? undefined : writeSectors * SECTOR_BYTES;
    out.seriesValue('disk_read_bps', labels, read);
    out.seriesValue('disk_write_bps', labels, write);
    out.seriesValue('disk_read_iops', labels, rate('reads', d.readsCompleted));
    out.seriesValue('disk_write_iops', labels, rate('writes', d.writesCompleted));
    // io_ticks is printed as u32 milliseconds: unwrap at 2^32. ms per s / 10 = percent.
    const busyMsPerS = rate('io_ms', d.ioMs, 32);
    out.seriesValue('disk_busy_pct', labels, busyMsPerS === undefined ? undefined : Math.min(100, busyMsPerS / 10));
    if (stacked) continue;
    counted++;
    if (read === undefined || write === undefined) complete = false;
    else {
      readTotal += read;
      writeTotal += write;
    }
  }
  if (complete && counted > 0) {
    out.hostMetric('disk_read_bps', readTotal);
    out.hostMetric('disk_write_bps', writeTotal);
  }
}

export interface DiskOptions {
  /** Where procfs is mounted: `/proc`, or `/host/proc` for an agent in a container. */
  procRoot: string;
  /** Where sysfs is mounted (default `/sys`); /sys/block is not namespaced, so `/sys` works in containers too. */
  sysRoot?: string;
}

/**
 * Seconds /sys/block is trusted while /proc/diskstats names the same devices: a disk or a
 * volume that comes or goes changes those names, so it is read again at once; this bounds
 * anything else (a disk becoming a RAID member). Listing it with every disk's slaves took
 * more CPU per tick than the rest of this collector.
 */
export const BLOCK_DEVICES_SECONDS = 300;

export function diskCollector(opts: DiskOptions): Collector {
  const sysRoot = opts.sysRoot ?? '/sys';
  let known: { names: string; at: number; block: BlockDevices | undefined } | undefined;
  return {
    name: 'disk',
    async collect(out, ctx) {
      const stats = await readDiskstats(opts.procRoot);
      const names = stats.map((d) => d.name).join(' ');
      if (known === undefined || known.names !== names || ctx.mono - known.at >= BLOCK_DEVICES_SECONDS)
        known = { names, at: ctx.mono, block: await readBlockDevices(sysRoot) };
      emitDisks(out, ctx, selectDisks(stats, known.block));
    },
  };
}
