// /proc/<pid>/statm: memory of a process in pages (proc(5)):
//   size resident shared text lib data dt
// `lib` and `dt` are always 0 since Linux 2.6. Resident is what `ps` and `top` show as RSS/RES.
import { ProcParseError, parseUint } from './procfile.ts';

const FILE = '/proc/<pid>/statm';

export interface PidStatm {
  size: number;
  resident: number;
  shared: number;
  text: number;
  data: number;
}

export function parsePidStatm(text: string): PidStatm {
  const line = text.trim();
  const f = line.split(' ');
  if (f.length < 7) throw new ProcParseError(FILE, 1, line, `${f.length} fields, expected 7`);
  const n = f.map((x) => parseUint(x));
  const bad = n.findIndex((v) => v === undefined);
  if (bad >= 0) throw new ProcParseError(FILE, 1, line, `field ${bad + 1} is not a number`);
  return { size: n[0]!, resident: n[1]!, shared: n[2]!, text: n[3]!, data: n[5]! };
}
