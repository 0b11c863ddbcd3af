// /proc/stat: the CPU time counters (aggregate `cpu` line and one `cpuN` line per online CPU).
// Values are in USER_HZ ticks since boot; only ratios of deltas are used, so the tick rate
// never matters. Columns were added over the years (iowait/irq/softirq in 2.6.0, steal in
// 2.6.11, guest in 2.6.24, guest_nice in 2.6.33); a column an old kernel does not print is 0.
// Other lines (intr, ctxt, btime, …) are not needed by Berth and are skipped.
import { ProcParseError, numberedLines, parseUint, readProcFile, underRoot } from './procfile.ts';

const FILE = '/proc/stat';

export interface CpuTimes {
  user: number;
  nice: number;
  system: number;
  idle: number;
  iowait: number;
  irq: number;
  softirq: number;
  steal: number;
  /** Already included in `user` by the kernel. */
  guest: number;
  /** Already included in `nice` by the kernel. */
  guestNice: number;
}

export interface ProcStat {
  /** The aggregate over all CPUs. */
  cpu: CpuTimes;
  /** Per CPU, in file order; offline CPUs are absent, so ids can have gaps. */
  cpus: { id: number; times: CpuTimes }[];
}

const COLUMNS = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal', 'guest', 'guestNice'] as const;

/** user, nice, system and idle have been there since Linux 2.4. */
const MIN_COLUMNS = 4;

export function parseStat(text: string): ProcStat {
  let cpu: CpuTimes | undefined;
  const cpus: ProcStat['cpus'] = [];
  for (const { no, line } of numberedLines(text)) {
    const fields = line.trim().split(/\s+/);
    const key = fields[0];
    if (!key.startsWith('cpu')) continue;
    const id = key === 'cpu' ? undefined : parseUint(key.slice(3));
    if (key !== 'cpu' && id === undefined) throw new ProcParseError(FILE, no, line, `unknown cpu line ${key}`);
    const values = fields.slice(1);
    if (values.length < MIN_COLUMNS) {
      throw new ProcParseError(FILE, no, line, `expected at least ${MIN_COLUMNS} counters, got ${values.length}`);
    }
    const times = {} as CpuTimes;
    COLUMNS.forEach((col, i) => {
      const raw = values[i];
      const v = raw === undefined ? 0 : parseUint(raw);
      if (v === undefined) throw new ProcParseError(FILE, no, line, `${col} is not a counter`);
      times[col] = v;
    });
    if (id === undefined) {
      if (cpu) throw new ProcParseError(FILE, no, line, 'second aggregate cpu line');
      cpu = times;
    } else {
      cpus.push({ id, times });
    }
  }
  if (!cpu) throw new ProcParseError(FILE, 0, '', 'no aggregate cpu line');
  return { cpu, cpus };
}

export async function readStat(procRoot: string): Promise<ProcStat> {
  return parseStat(await readProcFile(underRoot(procRoot, 'stat')));
}
