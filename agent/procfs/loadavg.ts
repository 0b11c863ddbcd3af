// /proc/loadavg: `0.56 0.67 0.30 1/85 7533` — load over 1, 5 and 15 minutes, runnable/total
// scheduling entities, and the last PID handed out. One line; the kernel has printed these five
// fields since Linux 2.6.
import { ProcParseError, parseUdec, parseUint, readProcFile, underRoot } from './procfile.ts';

const FILE = '/proc/loadavg';

export interface Loadavg {
  load1: number;
  load5: number;
  load15: number;
  running: number;
  total: number;
  lastPid: number;
}

export function parseLoadavg(text: string): Loadavg {
  const line = text.split('\n')[0];
  const f = line.trim().split(/\s+/);
  if (f.length < 5)
    throw new ProcParseError(FILE, 1, line, `expected 5 fields, got ${line.trim() === '' ? 0 : f.length}`);
  const [load1, load5, load15] = f.slice(0, 3).map(parseUdec);
  const slash = /^(\d+)\/(\d+)$/.exec(f[3]);
  const lastPid = parseUint(f[4]);
  if (load1 === undefined || load5 === undefined || load15 === undefined) {
    throw new ProcParseError(FILE, 1, line, 'load averages are not decimals');
  }
  if (!slash || lastPid === undefined) throw new ProcParseError(FILE, 1, line, 'expected "running/total lastpid"');
  return { load1, load5, load15, running: Number(slash[1]), total: Number(slash[2]), lastPid };
}

export async function readLoadavg(procRoot: string): Promise<Loadavg> {
  return parseLoadavg(await readProcFile(underRoot(procRoot, 'loadavg')));
}
