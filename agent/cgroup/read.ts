// Reads one cgroup's counters: CPU time, memory (usage, limit, memory.stat), block I/O bytes
// and tasks, from either hierarchy version. Synchronous small reads (procfile.ts): these are
// in-memory kernel files, read by the hundred every tick. A cgroup that went away between
// listing and reading (its container stopped) gives undefined.
import { existsSync } from 'node:fs';
import { readSmallFileSync } from '../procfs/procfile.ts';
import { parseBlkio } from './blkio.ts';
import { flatKeyedValue } from './flat-keyed.ts';
import type { CgroupHierarchy, V1Controller } from './hierarchy.ts';
import { parseIoStat } from './io-stat.ts';
import { parseCgroupCounter, parseCgroupValue } from './value.ts';

/** Bytes per device and operation, as the engine's stats API lists them (blkio_stats). */
export interface IoEntry {
  major: number;
  minor: number;
  /** v1: Read, Write, Sync, Async, Discard, Total; v2: read, write. */
  op: string;
  value: number;
}

export interface CgroupCounters {
  version: 1 | 2;
  /** CPU time in nanoseconds (v1 cpuacct.usage; v2 cpu.stat usage_usec × 1000). */
  cpuNs?: number;
  /** v1 memory.usage_in_bytes; v2 memory.current (page cache included). */
  memUsage?: number;
  /** The limit as the cgroup holds it: bytes, or "max" (v2, none set). v1 writes a huge number. */
  memLimit?: number | 'max';
  /** Of memory.stat, the inactive page cache `docker stats` leaves out (v1: also total_). */
  memStat?: { inactive_file?: number; total_inactive_file?: number };
  io?: IoEntry[];
  /** Tasks (processes and threads): pids.current. */
  pids?: number;
}

export interface ReadOptions {
  /** How a file is read (default: open, read, close; containers keep theirs open, OpenFiles). */
  read?: (path: string) => string | undefined;
  /**
   * v1 block I/O of the cgroup and its children (…_recursive): for systemd units, which may
   * hold sub-cgroups. Containers read the cgroup's own, as containerd does (its leaf is all).
   */
  recursiveIo?: boolean;
}

/** Full directory of a cgroup path under a controller (v1) or the unified root (v2). */
export function cgroupDir(h: CgroupHierarchy, path: string, controller: V1Controller): string | undefined {
  const base = h.version === 2 ? h.root : h.controllers[controller];
  if (base === undefined) return undefined;
  return path === '/' ? base : `${base}${path.startsWith('/') ? '' : '/'}${path}`;
}

/** True when the cgroup exists (in the memory controller's tree, which every reading needs). */
export function cgroupExists(h: CgroupHierarchy, path: string): boolean {
  const dir = cgroupDir(h, path, 'memory') ?? cgroupDir(h, path, 'cpuacct');
  return dir !== undefined && existsSync(dir);
}

/**
 * The counters of the cgroup at `path` (as /proc/<pid>/cgroup or systemd's ControlGroup name
 * it). Undefined when its memory or CPU file is gone (the cgroup was removed). A file of the
 * wrong shape throws a ProcParseError naming it.
 */
export function readCgroup(h: CgroupHierarchy, path: string, opts: ReadOptions = {}): CgroupCounters | undefined {
  const read = opts.read ?? readSmallFileSync;
  const file = (dir: string | undefined, name: string) => (dir === undefined ? undefined : read(`${dir}/${name}`));
  return h.version === 2 ? readV2(cgroupDir(h, path, 'memory')!, file) : readV1(h, path, opts, file);
}

type FileOf = (dir: string | undefined, name: string) => string | undefined;

function readV2(dir: string, file: FileOf): CgroupCounters | undefined {
  const cpu = file(dir, 'cpu.stat');
  const current = file(dir, 'memory.current');
  if (cpu === undefined && current === undefined) return undefined;
  const out: CgroupCounters = { version: 2 };
  if (cpu !== undefined) {
    const usec = flatKeyedValue(cpu, 'usage_usec', 'cpu.stat');
    if (usec !== undefined) out.cpuNs = usec * 1000;
  }
  if (current !== undefined) out.memUsage = parseCgroupCounter(current, 'memory.current');
  const max = file(dir, 'memory.max');
  if (max !== undefined) out.memLimit = parseCgroupValue(max, 'memory.max');
  const stat = file(dir, 'memory.stat');
  if (stat !== undefined) out.memStat = { inactive_file: flatKeyedValue(stat, 'inactive_file', 'memory.stat') };
  const io = file(dir, 'io.stat');
  if (io !== undefined) {
    out.io = parseIoStat(io).flatMap((d) => [
      { major: d.major, minor: d.minor, op: 'read', value: d.values.get('rbytes') ?? 0 },
      { major: d.major, minor: d.minor, op: 'write', value: d.values.get('wbytes') ?? 0 },
    ]);
  }
  const pids = file(dir, 'pids.current');
  if (pids !== undefined) out.pids = parseCgroupCounter(pids, 'pids.current');
  return out;
}

function readV1(
  h: CgroupHierarchy & { version: 1 },
  path: string,
  opts: ReadOptions,
  file: FileOf,
): CgroupCounters | undefined {
  const mem = cgroupDir(h, path, 'memory');
  const cpu = file(cgroupDir(h, path, 'cpuacct'), 'cpuacct.usage');
  const usage = file(mem, 'memory.usage_in_bytes');
  if (cpu === undefined && usage === undefined) return undefined;
  const out: CgroupCounters = { version: 1 };
  if (cpu !== undefined) out.cpuNs = parseCgroupCounter(cpu, 'cpuacct.usage');
  if (usage !== undefined) out.memUsage = parseCgroupCounter(usage, 'memory.usage_in_bytes');
  const limit = file(mem, 'memory.limit_in_bytes');
  if (limit !== undefined) out.memLimit = parseCgroupValue(limit, 'memory.limit_in_bytes');
  const stat = file(mem, 'memory.stat');
  if (stat !== undefined) {
    out.memStat = {
      total_inactive_file: flatKeyedValue(stat, 'total_inactive_file', 'memory.stat'),
      inactive_file: flatKeyedValue(stat, 'inactive_file', 'memory.stat'),
    };
  }
  const blkio = cgroupDir(h, path, 'blkio');
  if (blkio !== undefined) out.io = readBlkio(blkio, opts.recursiveIo === true, file);
  const pids = file(cgroupDir(h, path, 'pids'), 'pids.current');
  if (pids !== undefined) out.pids = parseCgroupCounter(pids, 'pids.current');
  return out;
}

/**
 * Block I/O bytes the way containerd reads them for `docker stats`: the CFQ scheduler's
 * blkio.io_service_bytes_recursive where the kernel has it and it counted something (kernels
 * before 5.0), else the throttle layer's blkio.throttle.io_service_bytes, which counts every
 * request (on 5.x/6.x only for devices with a throttle rule, so often nothing).
 */
function readBlkio(dir: string, recursive: boolean, file: FileOf): IoEntry[] | undefined {
  const cfq = file(dir, 'blkio.io_service_bytes_recursive');
  if (cfq !== undefined) {
    const lines = parseBlkio(cfq, 'blkio.io_service_bytes_recursive');
    if (lines.length > 0) return lines;
  }
  const name = recursive ? 'blkio.throttle.io_service_bytes_recursive' : 'blkio.throttle.io_service_bytes';
  const text = file(dir, name);
  return text === undefined ? undefined : parseBlkio(text, name);
}
