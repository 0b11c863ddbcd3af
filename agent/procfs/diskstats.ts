// /proc/diskstats: I/O counters per block device (disks, partitions, dm, md, loop, …) since boot.
// `major minor name` then 11 counters (14 fields; before Linux 2.6.25 a partition had 4
// counters, 7 fields, and is skipped), + 4 discard counters (4.18+: 18 fields), + 2 flush
// counters (5.5+: 20 fields); see the kernel's
// Documentation/admin-guide/iostats.rst. Counters a kernel does not print are left undefined,
// never invented. Sectors are always 512 bytes, whatever the device's sector size. The ms
// counters are printed as unsigned 32-bit (`%u`), so io_ticks wraps after 2^32 ms (~49.7 days
// of busy time); the others are `unsigned long`.
import { ProcParseError, numberedLines, parseUint, readProcFile, underRoot } from './procfile.ts';

const FILE = '/proc/diskstats';

export const SECTOR_BYTES = 512;

export interface DiskStats {
  major: number;
  minor: number;
  name: string;
  readsCompleted: number;
  readsMerged: number;
  sectorsRead: number;
  readMs: number;
  writesCompleted: number;
  writesMerged: number;
  sectorsWritten: number;
  writeMs: number;
  ioInProgress: number;
  /** Time the device had I/O in flight (ms): the basis of `iostat`'s %util. */
  ioMs: number;
  weightedIoMs: number;
  /** From Linux 4.18 (18+ fields). */
  discardsCompleted?: number;
  discardsMerged?: number;
  sectorsDiscarded?: number;
  discardMs?: number;
  /** From Linux 5.5 (20+ fields). */
  flushesCompleted?: number;
  flushMs?: number;
}

const BASE = [
  'readsCompleted',
  'readsMerged',
  'sectorsRead',
  'readMs',
  'writesCompleted',
  'writesMerged',
  'sectorsWritten',
  'writeMs',
  'ioInProgress',
  'ioMs',
  'weightedIoMs',
] as const;
const DISCARD = ['discardsCompleted', 'discardsMerged', 'sectorsDiscarded', 'discardMs'] as const;
const FLUSH = ['flushesCompleted', 'flushMs'] as const;

/** Field counts the kernel has printed; a future kernel appending more is read as the largest. */
const KNOWN_COUNTS = [14, 18, 20];

export function parseDiskstats(text: string): DiskStats[] {
  const out: DiskStats[] = [];
  for (const { no, line } of numberedLines(text)) {
    const f = line.trim().split(/\s+/);
    // Before Linux 2.6.25 a partition's line held four counters (7 fields): partitions are not
    // counted (only whole disks are), so those lines are passed over.
    if (f.length === 7) continue;
    if (f.length < 14 || (f.length < 20 && !KNOWN_COUNTS.includes(f.length))) {
      throw new ProcParseError(FILE, no, line, `expected 14, 18 or 20 fields, got ${f.length}`);
    }
    const major = parseUint(f[0]);
    const minor = parseUint(f[1]);
    if (major === undefined || minor === undefined) throw new ProcParseError(FILE, no, line, 'bad major:minor');
    const d = { major, minor, name: f[2] } as DiskStats;
    const columns = [...BASE, ...(f.length >= 18 ? DISCARD : []), ...(f.length >= 20 ? FLUSH : [])];
    columns.forEach((col, i) => {
      const v = parseUint(f[3 + i]);
      if (v === undefined) throw new ProcParseError(FILE, no, line, `${col} is not a counter`);
      d[col] = v;
    });
    out.push(d);
  }
  return out;
}

export async function readDiskstats(procRoot: string): Promise<DiskStats[]> {
  return parseDiskstats(await readProcFile(underRoot(procRoot, 'diskstats')));
}
