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
   * How a file is read and parsed (default: `read`, then `parse`); OpenFiles.readAs skips the
   * parse when the text is what it was last time.
   */
  readAs?: <T>(path: string, parse: (text: string) => T) => T | undefined;
  /**
   * The machine's memory in bytes (v1): a limit at or above it is shown as it (statsFromCgroup),
   * so memory.limit_in_bytes is read only when memory.stat's hierarchical_memory_limit (the
   * lowest limit of the cgroup and its parents, never above its own) is below it: an unlimited
   * container costs one file less a tick, and the value shown is the same.
   */
  memTotal?: number;
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

/** Where each file Berth reads of a cgroup is; undefined where its controller is not mounted. */
export type CgroupFiles =
  | {
      version: 2;
      cpuStat: string;
      memoryCurrent: string;
      memoryMax: string;
      memoryStat: string;
      ioStat: string;
      pidsCurrent: string;
    }
  | {
      version: 1;
      cpuacctUsage?: string;
      memoryUsage?: string;
      memoryLimit?: string;
      memoryStat?: string;
      cfqBytes?: string;
      throttleBytes?: string;
      pidsCurrent?: string;
    };

/**
 * The files of the cgroup at `path`, worked out once for a cgroup read again every tick (the
 * paths are then the same strings each time, not made anew). `recursiveIo`: see ReadOptions.
 */
export function cgroupFiles(h: CgroupHierarchy, path: string, recursiveIo = false): CgroupFiles {
  if (h.version === 2) {
    const dir = cgroupDir(h, path, 'memory')!;
    return {
      version: 2,
      cpuStat: `${dir}/cpu.stat`,
      memoryCurrent: `${dir}/memory.current`,
      memoryMax: `${dir}/memory.max`,
      memoryStat: `${dir}/memory.stat`,
      ioStat: `${dir}/io.stat`,
      pidsCurrent: `${dir}/pids.current`,
    };
  }
  const at = (c: V1Controller, name: string) => {
    const dir = cgroupDir(h, path, c);
    return dir === undefined ? undefined : `${dir}/${name}`;
  };
  return {
    version: 1,
    cpuacctUsage: at('cpuacct', 'cpuacct.usage'),
    memoryUsage: at('memory', 'memory.usage_in_bytes'),
    memoryLimit: at('memory', 'memory.limit_in_bytes'),
    memoryStat: at('memory', 'memory.stat'),
    cfqBytes: at('blkio', 'blkio.io_service_bytes_recursive'),
    throttleBytes: at(
      'blkio',
      recursiveIo ? 'blkio.throttle.io_service_bytes_recursive' : 'blkio.throttle.io_service_bytes',
    ),
    pidsCurrent: at('pids', 'pids.current'),
  };
}

/**
 * The counters of the cgroup at `path` (as /proc/<pid>/cgroup or systemd's ControlGroup name
 * it). Undefined when its memory or CPU file is gone (the cgroup was removed). A file of the
 * wrong shape throws a ProcParseError naming it. `files`: cgroupFiles of the same cgroup, kept
 * by a caller that reads it every tick.
 */
export function readCgroup(
  h: CgroupHierarchy,
  path: string,
  opts: ReadOptions = {},
  files: CgroupFiles = cgroupFiles(h, path, opts.recursiveIo === true),
): CgroupCounters | undefined {
  const read = opts.read ?? readSmallFileSync;
  const readAs =
    opts.readAs ??
    (<T>(file: string, parse: (text: string) => T): T | undefined => {
      const text = read(file);
      return text === undefined ? undefined : parse(text);
    });
  const file: FileOf = (path, parse) => (path === undefined ? undefined : readAs(path, parse));
  return files.version === 2 ? readV2(files, file) : readV1(files, opts, file);
}

/** A file, parsed; undefined when its controller or the file is not there. */
type FileOf = <T>(path: string | undefined, parse: (text: string) => T) => T | undefined;

// The parsers, made once: OpenFiles.readAs keeps a value by path, for the same function.
const counter = (name: string) => (text: string) => parseCgroupCounter(text, name);
/** null: a cpu.stat without usage_usec (the cgroup is there, its CPU time unknown). */
const CPU_USAGE_V2 = (text: string) => flatKeyedValue(text, 'usage_usec', 'cpu.stat') ?? null;
const MEMORY_CURRENT = counter('memory.current');
const MEMORY_MAX = (text: string) => parseCgroupValue(text, 'memory.max');
const MEMORY_STAT_V2 = (text: string) => ({ inactive_file: flatKeyedValue(text, 'inactive_file', 'memory.stat') });
const IO_STAT = (text: string): IoEntry[] =>
  parseIoStat(text).flatMap((d) => [
    { major: d.major, minor: d.minor, op: 'read', value: d.values.get('rbytes') ?? 0 },
    { major: d.major, minor: d.minor, op: 'write', value: d.values.get('wbytes') ?? 0 },
  ]);
const PIDS_CURRENT = counter('pids.current');
const CPUACCT_USAGE = counter('cpuacct.usage');
const MEMORY_USAGE_V1 = counter('memory.usage_in_bytes');
const MEMORY_LIMIT_V1 = (text: string) => parseCgroupValue(text, 'memory.limit_in_bytes');
const MEMORY_STAT_V1 = (text: string) => ({
  total_inactive_file: flatKeyedValue(text, 'total_inactive_file', 'memory.stat'),
  inactive_file: flatKeyedValue(text, 'inactive_file', 'memory.stat'),
  hierarchical_memory_limit: flatKeyedValue(text, 'hierarchical_memory_limit', 'memory.stat'),
});

function readV2(f: CgroupFiles & { version: 2 }, file: FileOf): CgroupCounters | undefined {
  const usec = file(f.cpuStat, CPU_USAGE_V2);
  const current = file(f.memoryCurrent, MEMORY_CURRENT);
  if (usec === undefined && current === undefined) return undefined;
  const out: CgroupCounters = { version: 2 };
  if (usec != null) out.cpuNs = usec * 1000;
  if (current !== undefined) out.memUsage = current;
  const max = file(f.memoryMax, MEMORY_MAX);
  if (max !== undefined) out.memLimit = max;
  const stat = file(f.memoryStat, MEMORY_STAT_V2);
  if (stat !== undefined) out.memStat = stat;
  const io = file(f.ioStat, IO_STAT);
  if (io !== undefined) out.io = io;
  const pids = file(f.pidsCurrent, PIDS_CURRENT);
  if (pids !== undefined) out.pids = pids;
  return out;
}

function readV1(f: CgroupFiles & { version: 1 }, opts: ReadOptions, file: FileOf): CgroupCounters | undefined {
  const cpu = file(f.cpuacctUsage, CPUACCT_USAGE);
  const usage = file(f.memoryUsage, MEMORY_USAGE_V1);
  if (cpu === undefined && usage === undefined) return undefined;
  const out: CgroupCounters = { version: 1 };
  if (cpu !== undefined) out.cpuNs = cpu;
  if (usage !== undefined) out.memUsage = usage;
  const stat = file(f.memoryStat, MEMORY_STAT_V1);
  if (stat !== undefined) {
    out.memStat = { total_inactive_file: stat.total_inactive_file, inactive_file: stat.inactive_file };
  }
  const lowest = stat?.hierarchical_memory_limit;
  if (opts.memTotal !== undefined && lowest !== undefined && lowest >= opts.memTotal) out.memLimit = lowest;
  else {
    const limit = file(f.memoryLimit, MEMORY_LIMIT_V1);
    if (limit !== undefined) out.memLimit = limit;
  }
  const io = readBlkio(f, file);
  if (io !== undefined) out.io = io;
  const pids = file(f.pidsCurrent, PIDS_CURRENT);
  if (pids !== undefined) out.pids = pids;
  return out;
}

/**
 * Block I/O bytes the way containerd reads them for `docker stats`: the CFQ scheduler's
 * blkio.io_service_bytes_recursive where the kernel has it and it counted something (kernels
 * before 5.0), else the throttle layer's blkio.throttle.io_service_bytes, which counts every
 * request (on 5.x/6.x only for devices with a throttle rule, so often nothing).
 */
function readBlkio(f: CgroupFiles & { version: 1 }, file: FileOf): IoEntry[] | undefined {
  const cfq = file(f.cfqBytes, CFQ_BYTES);
  if (cfq !== undefined && cfq.length > 0) return cfq;
  return file(f.throttleBytes, f.throttleBytes?.endsWith('_recursive') ? THROTTLE_BYTES_RECURSIVE : THROTTLE_BYTES);
}

const blkio = (name: string) => (text: string) => parseBlkio(text, name);
const CFQ_BYTES = blkio('blkio.io_service_bytes_recursive');
const THROTTLE_BYTES = blkio('blkio.throttle.io_service_bytes');
const THROTTLE_BYTES_RECURSIVE = blkio('blkio.throttle.io_service_bytes_recursive');
