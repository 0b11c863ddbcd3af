// What a process costs, read from procfs the way ../shared/BENCHMARKS.md prescribes: CPU is
// utime+stime+cutime+cstime (fields 14–17 of /proc/PID/stat, in CLK_TCK ticks) summed over a
// process and its descendants; memory is the sum of VmRSS over that tree, and VmHWM of its root.
// The Docker engine's cost is the same sum over dockerd, containerd and every containerd-shim.
import { execFileSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';

export interface ProcStat {
  pid: number;
  comm: string;
  ppid: number;
  /** utime + stime + cutime + cstime, in clock ticks. */
  ticks: number;
  /** Start time after boot in ticks: with the pid, names a process across pid reuse. */
  start: number;
}

/** One /proc/PID/stat line. The comm field may hold spaces and parentheses: cut at the last ')'. */
export function parseProcStat(text: string): ProcStat {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) throw new Error(`/proc/PID/stat: no (comm) in "${text.slice(0, 80)}"`);
  // Fields from 3 (state) on; field n is rest[n - 3].
  const rest = text
    .slice(close + 2)
    .trim()
    .split(' ');
  if (rest.length < 20)
    throw new Error(`/proc/PID/stat: ${rest.length + 2} fields, expected at least 22 in "${text.slice(0, 80)}"`);
  const n = (field: number) => {
    const v = Number(rest[field - 3]);
    if (!Number.isFinite(v))
      throw new Error(`/proc/PID/stat: field ${field} is "${rest[field - 3]}" in "${text.slice(0, 80)}"`);
    return v;
  };
  return {
    pid: Number(text.slice(0, open).trim()),
    comm: text.slice(open + 1, close),
    ppid: n(4),
    ticks: n(14) + n(15) + n(16) + n(17),
    start: n(22),
  };
}

/** Every process now; those that exit while being read are left out. */
export async function readProcs(procRoot = '/proc'): Promise<Map<number, ProcStat>> {
  const out = new Map<number, ProcStat>();
  const pids = (await readdir(procRoot)).filter((d) => /^\d+$/.test(d));
  await Promise.all(
    pids.map(async (pid) => {
      try {
        const s = parseProcStat(await readFile(`${procRoot}/${pid}/stat`, 'utf8'));
        out.set(s.pid, s);
      } catch {
        /* gone meanwhile */
      }
    }),
  );
  return out;
}

/** The root and all its descendants present in `procs`. */
export function processTree(root: number, procs: ReadonlyMap<number, ProcStat>): ProcStat[] {
  const children = new Map<number, ProcStat[]>();
  for (const p of procs.values()) {
    const list = children.get(p.ppid) ?? [];
    list.push(p);
    children.set(p.ppid, list);
  }
  const out: ProcStat[] = [];
  const stack = procs.has(root) ? [procs.get(root)!] : [];
  while (stack.length) {
    const p = stack.pop()!;
    out.push(p);
    stack.push(...(children.get(p.pid) ?? []));
  }
  return out;
}

/** CPU ticks of a process tree: children that exited meanwhile are in their parent's cutime. */
export function treeTicks(root: number, procs: ReadonlyMap<number, ProcStat>): number {
  return processTree(root, procs).reduce((s, p) => s + p.ticks, 0);
}

/** dockerd, containerd and every containerd-shim (comm is cut at 15 characters). */
export const isEngine = (p: ProcStat) =>
  p.comm === 'dockerd' || p.comm === 'containerd' || p.comm.startsWith('containerd-shim');

/** The engine's processes, by pid and start time. */
export function engineTicks(procs: ReadonlyMap<number, ProcStat>): Map<string, number> {
  const out = new Map<string, number>();
  for (const p of procs.values()) if (isEngine(p)) out.set(`${p.pid}@${p.start}`, p.ticks);
  return out;
}

/**
 * Engine ticks spent between two readings: per process, what it added since the first; a
 * process born meanwhile counts whole; one that ended meanwhile (a shim of a removed container)
 * cannot be measured and counts nothing.
 */
export function engineDelta(before: ReadonlyMap<string, number>, after: ReadonlyMap<string, number>): number {
  let sum = 0;
  for (const [key, ticks] of after) sum += ticks - (before.get(key) ?? 0);
  return sum;
}

/**
 * VmRSS, VmHWM and RssAnon of one process in bytes (undefined once it has gone). RssAnon is the
 * private part: VmRSS also counts the pages of the executable and libraries it has touched,
 * which are shared with every other process running them (for Node, 30–40 MB of its binary).
 */
export async function readMemory(
  pid: number,
  procRoot = '/proc',
): Promise<{ rss: number; hwm: number; anon: number } | undefined> {
  let text: string;
  try {
    text = await readFile(`${procRoot}/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB$`, 'm').exec(text)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM'), anon: kb('RssAnon') };
}

/** Sums of VmRSS and of RssAnon over a process tree, in bytes. */
export async function treeRss(
  root: number,
  procs: ReadonlyMap<number, ProcStat>,
): Promise<{ rss: number; anon: number }> {
  const mems = await Promise.all(processTree(root, procs).map((p) => readMemory(p.pid)));
  return { rss: mems.reduce((s, m) => s + (m?.rss ?? 0), 0), anon: mems.reduce((s, m) => s + (m?.anon ?? 0), 0) };
}

/** Clock ticks per second, as `getconf CLK_TCK` says. */
export function clockTicks(): number {
  const hz = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  if (!Number.isInteger(hz) || hz <= 0) throw new Error(`getconf CLK_TCK: "${hz}"`);
  return hz;
}
