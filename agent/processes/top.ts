// Which processes make a tick's top list: the N using the most CPU, the N holding the most
// memory and the N moving the most bytes to or from storage, each list on its own (a process
// in two lists is one row). Pure; the collector (collectors/processes.ts) reads /proc. Picked
// as the processes stream by, N at a time per measure: a thousand processes are not sorted.

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

const MEASURES: ((p: ProcessUsage) => number)[] = [
  (p) => p.cpuPct ?? 0,
  (p) => p.memBytes,
  (p) => (p.readBps ?? 0) + (p.writeBps ?? 0),
];

/** The top `n` of each measure, offered one process at a time. */
export class TopPicker<T extends ProcessUsage> {
  /** Per measure, at most n processes, highest first. */
  private readonly lists: T[][] = MEASURES.map(() => []);

  constructor(private readonly n: number) {}

  offer(p: T): void {
    if (this.n <= 0) return;
    for (let m = 0; m < MEASURES.length; m++) {
      const value = MEASURES[m]!;
      const v = value(p);
      if (!(v > 0)) continue;
      const list = this.lists[m]!;
      if (list.length === this.n && v <= value(list[list.length - 1]!)) continue;
      let i = list.length;
      while (i > 0 && (v > value(list[i - 1]!) || (v === value(list[i - 1]!) && p.pid < list[i - 1]!.pid))) i--;
      list.splice(i, 0, p);
      if (list.length > this.n) list.pop();
    }
  }

  /** The picked processes, each once, in CPU order. */
  picked(): T[] {
    const out = new Map<string, T>();
    for (const list of this.lists) for (const p of list) out.set(p.key, p);
    return [...out.values()].sort(
      (a, b) => (b.cpuPct ?? 0) - (a.cpuPct ?? 0) || b.memBytes - a.memBytes || a.pid - b.pid,
    );
  }
}

/** Top `n` by each measure, those with nothing to show left out; in CPU order. */
export function pickTop<T extends ProcessUsage>(all: readonly T[], n: number): T[] {
  const picker = new TopPicker<T>(n);
  for (const p of all) picker.offer(p);
  return picker.picked();
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
