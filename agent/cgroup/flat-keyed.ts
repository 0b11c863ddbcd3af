// Flat-keyed cgroup files, `KEY VALUE` per line: cpu.stat (v1: nr_periods, throttled_time…;
// v2: usage_usec, user_usec, system_usec…), memory.stat (v1: cache, rss, total_inactive_file…;
// v2: anon, file, inactive_file…), memory.events, cpuacct.stat. Which keys exist depends on
// the kernel version and its config, so callers look keys up and expect any to be absent.
import { ProcParseError, numberedLines, parseUint } from '../procfs/procfile.ts';

export function parseFlatKeyed(text: string, file: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const { no, line } of numberedLines(text)) {
    const space = line.indexOf(' ');
    if (space <= 0) throw new ProcParseError(file, no, line, 'expected "KEY VALUE"');
    const key = line.slice(0, space);
    const value = parseUint(line.slice(space + 1).trim());
    if (value === undefined) throw new ProcParseError(file, no, line, `${key} is not a number`);
    out.set(key, value);
  }
  return out;
}
