// Flat-keyed cgroup files, `KEY VALUE` per line: cpu.stat (v1: nr_periods, throttled_time…;
// v2: usage_usec, user_usec, system_usec…), memory.stat (v1: cache, rss, total_inactive_file…;
// v2: anon, file, inactive_file…), memory.events, cpuacct.stat. Which keys exist depends on
// the kernel version and its config, so callers look keys up and expect any to be absent.
import { ProcParseError, lineAt, numberedLines, parseUint } from '../procfs/procfile.ts';

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

const UINT = /^\d+$/;

/**
 * One key's value, found with one string search rather than by parsing every line: what is
 * read for every container and service every tick (memory.stat's inactive file, cpu.stat's
 * usage) is a key or two of 40-odd lines, and the agent's interpreter-only V8 (lite mode)
 * makes a walk through each character cost more than the read. Undefined when the key is not
 * in the file; a value that is not a number is an error naming the file and the line.
 */
export function flatKeyedValue(text: string, key: string, file: string): number | undefined {
  let at = text.startsWith(`${key} `) ? 0 : text.indexOf(`\n${key} `);
  if (at < 0) return undefined;
  if (at > 0) at += 1;
  const from = at + key.length + 1;
  let end = text.indexOf('\n', from);
  if (end < 0) end = text.length;
  const raw = text.slice(from, end);
  if (!UINT.test(raw)) {
    const { no, line } = lineAt(text, at);
    throw new ProcParseError(file, no, line, `${key} is not a number`);
  }
  return Number(raw);
}
