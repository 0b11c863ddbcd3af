// /proc/<pid>/stat: one line of a process's status fields (proc(5)). The command name, field 2,
// is in parentheses and may itself hold spaces and ')' (a process can rename itself to
// anything), so the line is cut at its last ')': what follows is space-separated numbers and
// the one-letter state. Only the fields Berth uses are kept.
import { ProcParseError, parseUint } from './procfile.ts';

const FILE = '/proc/<pid>/stat';

export interface PidStat {
  pid: number;
  /** Field 2 without its parentheses: at most 15 bytes of the executable's name. */
  comm: string;
  /** R, S, D, Z, T, t, X, I… */
  state: string;
  ppid: number;
  /** PF_* flags (field 9): PF_KTHREAD (0x00200000) marks a kernel thread. */
  flags: number;
  /** User and system CPU time, in clock ticks (USER_HZ). */
  utime: number;
  stime: number;
  numThreads: number;
  /** Start time after boot in clock ticks: with the pid, it names a process across pid reuse. */
  starttime: number;
  /** Resident set size in pages (as statm's resident). */
  rssPages: number;
}

export const PF_KTHREAD = 0x00200000;

/** Field numbers of proc(5), 1-based. */
const F = { state: 3, ppid: 4, flags: 9, utime: 14, stime: 15, numThreads: 20, starttime: 22, rss: 24 } as const;

export function parsePidStat(text: string): PidStat {
  const line = text.trimEnd();
  const open = line.indexOf(' (');
  const close = line.lastIndexOf(')');
  if (open < 0 || close < open) throw new ProcParseError(FILE, 1, line, 'no "(comm)"');
  const pid = parseUint(line.slice(0, open));
  if (pid === undefined) throw new ProcParseError(FILE, 1, line, 'pid is not a number');
  // rest[0] is field 3.
  const rest = line.slice(close + 2).split(' ');
  if (rest.length < F.rss - 2)
    throw new ProcParseError(FILE, 1, line, `${rest.length + 2} fields, expected at least ${F.rss}`);
  const num = (field: number): number => {
    const v = parseUint(rest[field - 3]);
    if (v === undefined) throw new ProcParseError(FILE, 1, line, `field ${field} is not a number`);
    return v;
  };
  return {
    pid,
    comm: line.slice(open + 2, close),
    state: rest[0]!,
    ppid: num(F.ppid),
    flags: num(F.flags),
    utime: num(F.utime),
    stime: num(F.stime),
    numThreads: num(F.numThreads),
    starttime: num(F.starttime),
    rssPages: num(F.rss),
  };
}

/** What is read of every process every tick: CPU ticks, start time and resident pages. */
export interface PidStatCounters {
  /** utime + stime, in clock ticks. */
  ticks: number;
  starttime: number;
  rssPages: number;
}

/**
 * The counters of a stat line without splitting it: a walk by indexOf to fields 14, 15, 22
 * and 24, for the thousand processes read every tick (the full parse allocates fifty strings
 * each). Undefined for a line of another shape (parsePidStat says what is wrong with it).
 */
export function pidStatCounters(text: string): PidStatCounters | undefined {
  let at = text.lastIndexOf(') ');
  if (at < 0) return undefined;
  at += 2; // field 3 starts here
  const fieldAt = (from: number, skip: number): number => {
    let i = from;
    for (let k = 0; k < skip && i >= 0; k++) i = text.indexOf(' ', i) + 1 || -1;
    return i;
  };
  const numberAt = (from: number): [number, number] => {
    const end = text.indexOf(' ', from);
    const raw = text.slice(from, end < 0 ? undefined : end);
    return [/^\d+$/.test(raw) ? Number(raw) : NaN, end + 1];
  };
  const f14 = fieldAt(at, 11);
  if (f14 < 0) return undefined;
  const [utime, f15] = numberAt(f14);
  const [stime, f16] = numberAt(f15);
  const f22 = fieldAt(f16, 6);
  if (f22 <= 0) return undefined;
  const [starttime, f23] = numberAt(f22);
  const f24 = fieldAt(f23, 1);
  if (f24 <= 0) return undefined;
  const [rssPages] = numberAt(f24);
  const ticks = utime + stime;
  if (!Number.isFinite(ticks) || !Number.isFinite(starttime) || !Number.isFinite(rssPages)) return undefined;
  return { ticks, starttime, rssPages };
}
