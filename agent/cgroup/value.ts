// One-value cgroup files: cpuacct.usage (ns), memory.usage_in_bytes, memory.limit_in_bytes and
// pids.current (v1); memory.current, memory.max, pids.current and pids.max (v2). A v2 limit
// that is not set reads "max"; v1 writes a huge number instead (PAGE_COUNTER_MAX pages,
// 9223372036854771712 bytes with 4 KiB pages), which callers compare with the machine's memory.
import { ProcParseError, numberedLines, parseUint } from '../procfs/procfile.ts';

const ONE_NUMBER = /^\d+\n?$/;

export function parseCgroupValue(text: string, file: string): number | 'max' {
  // The common case, one number and a newline, with one native test (read every tick).
  if (ONE_NUMBER.test(text)) return Number(text);
  const lines = numberedLines(text);
  if (lines.length !== 1) throw new ProcParseError(file, lines[1]?.no ?? 0, lines[1]?.line ?? '', 'expected one value');
  const raw = lines[0]!.line.trim();
  if (raw === 'max') return 'max';
  const n = parseUint(raw);
  if (n === undefined) throw new ProcParseError(file, lines[0]!.no, lines[0]!.line, 'not a number or "max"');
  return n;
}

/** A value that must be a number (a usage or a counter, never "max"). */
export function parseCgroupCounter(text: string, file: string): number {
  const v = parseCgroupValue(text, file);
  if (v === 'max') throw new ProcParseError(file, 1, 'max', 'a counter cannot be "max"');
  return v;
}
