// cgroup v2 io.stat: one line per device the cgroup did I/O on, nested-keyed
// (Documentation/admin-guide/cgroup-v2.rst):
//   8:16 rbytes=1459200 wbytes=314773504 rios=192 wios=353 dbytes=0 dios=0
// Kernels add keys over time (dbytes/dios in 5.x; cost.* with blk-iocost, use_delay/delay with
// io.latency), so every KEY=VALUE pair is kept and callers pick theirs. An empty file: no I/O.
import { ProcParseError, numberedLines, parseUint } from '../procfs/procfile.ts';

export interface IoStatEntry {
  major: number;
  minor: number;
  values: Map<string, number>;
}

const DEVICE = /^(\d+):(\d+)$/;

export function parseIoStat(text: string, file = 'io.stat'): IoStatEntry[] {
  const out: IoStatEntry[] = [];
  for (const { no, line } of numberedLines(text)) {
    const [device, ...pairs] = line.trim().split(/\s+/);
    const m = DEVICE.exec(device!);
    if (!m) throw new ProcParseError(file, no, line, 'expected "MAJOR:MINOR KEY=VALUE…"');
    const values = new Map<string, number>();
    for (const pair of pairs) {
      const eq = pair.indexOf('=');
      // io.latency's "depth=max" and avg_lat's decimals are not counters: left out.
      const v = eq > 0 ? parseUint(pair.slice(eq + 1)) : undefined;
      if (eq <= 0) throw new ProcParseError(file, no, line, `"${pair}" is not KEY=VALUE`);
      if (v !== undefined) values.set(pair.slice(0, eq), v);
    }
    out.push({ major: Number(m[1]), minor: Number(m[2]), values });
  }
  return out;
}
