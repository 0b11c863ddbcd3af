// Which processes make a tick's top list: the N using the most CPU, the N holding the most
// memory and the N moving the most bytes to or from storage, each list on its own (a process
// in two lists is one row). Pure; the collector (collectors/processes.ts) reads /proc.

export interface ProcessUsage {
  /** pid:starttime: a process across ticks, never a later process given the same pid. */
  key: string;
  pid: number;
  /** 100 = one full core, as top shows it (Irix mode). */
  cpuPct?: number;
  memBytes: number;
  /** Bytes per second read from and written to storage; undefined where /proc/<pid>/io is closed. */
  readBps?: number;
  writeBps?: number;
}

/** Top `n` by each measure, those with nothing to show left out; in CPU order. */
export function pickTop(all: readonly ProcessUsage[], n: number): ProcessUsage[] {
  if (n <= 0) return [];
  const by = (value: (p: ProcessUsage) => number) =>
    all
      .filter((p) => value(p) > 0)
      .sort((a, b) => value(b) - value(a) || a.pid - b.pid)
      .slice(0, n);
  const picked = new Map<string, ProcessUsage>();
  for (const list of [by((p) => p.cpuPct ?? 0), by((p) => p.memBytes), by((p) => (p.readBps ?? 0) + (p.writeBps ?? 0))])
    for (const p of list) picked.set(p.key, p);
  return [...picked.values()].sort(
    (a, b) => (b.cpuPct ?? 0) - (a.cpuPct ?? 0) || b.memBytes - a.memBytes || a.pid - b.pid,
  );
}

/**
 * CPU share between two readings of utime + stime (clock ticks): 100 = one core. USER_HZ is
 * 100 on every Linux architecture (the value sysconf(_SC_CLK_TCK) returns).
 */
export function cpuPercent(prevTicks: number, curTicks: number, seconds: number, hz = 100): number | undefined {
  if (!(seconds > 0) || curTicks < prevTicks) return undefined;
  return ((curTicks - prevTicks) / hz / seconds) * 100;
}

/** A command line from /proc/<pid>/cmdline (NUL-separated), or `[comm]` for a kernel thread, as ps shows them. */
export function commandLine(cmdline: string | undefined, comm: string, max = 1024): string {
  const args = (cmdline ?? '').split('\0').filter((a, i, all) => a !== '' || i < all.length - 1);
  const text = args.join(' ').trim();
  const out = text === '' ? `[${comm}]` : text;
  return out.length > max ? `${out.slice(0, max - 1)}…` : out;
}
