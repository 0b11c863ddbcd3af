// /proc/meminfo: `Key:   value kB` lines, returned in bytes (the kernel's "kB" is KiB, ×1024).
// A few keys carry no unit (HugePages_Total, HugePages_Free, …): those are counts, kept as is.
// Keys are kept exactly as the kernel spells them (`Active(anon)`, `MemAvailable`), and which
// keys exist depends on kernel version and config, so callers must expect any key to be absent.
import { ProcParseError, numberedLines, parseUint, readProcFile, underRoot } from './procfile.ts';

const FILE = '/proc/meminfo';

const LINE = /^([^:\s]+):\s+(\S+)(?:\s+(\S+))?\s*$/;
const TABLE_HEAD = /^\s+total:\s+used:\s+free:/;
const TABLE_ROW = /^(Mem|Swap):(\s+\d+){3,}\s*$/;

/** Key → bytes (or count, for unit-less keys). */
export type Meminfo = Map<string, number>;

export function parseMeminfo(text: string): Meminfo {
  const out: Meminfo = new Map();
  for (const { no, line } of numberedLines(text)) {
    // Linux 2.4 starts with a table in bytes ("total: used: free: …", then Mem: and Swap:
    // rows) before the same Key: value kB lines: passed over.
    if (no <= 3 && (TABLE_HEAD.test(line) || TABLE_ROW.test(line))) continue;
    const m = LINE.exec(line);
    if (!m) throw new ProcParseError(FILE, no, line, 'expected "Key: value [kB]"');
    const [, key, rawValue, unit] = m;
    const value = parseUint(rawValue);
    if (value === undefined) throw new ProcParseError(FILE, no, line, `${key} is not a number`);
    if (unit !== undefined && unit !== 'kB') throw new ProcParseError(FILE, no, line, `unknown unit ${unit}`);
    out.set(key, unit === 'kB' ? value * 1024 : value);
  }
  if (out.size === 0) throw new ProcParseError(FILE, 0, '', 'no entries');
  return out;
}

export async function readMeminfo(procRoot: string): Promise<Meminfo> {
  return parseMeminfo(await readProcFile(underRoot(procRoot, 'meminfo')));
}
