// /proc/<pid>/status: a process's status as `Key:\tvalue` lines (proc(5)). Berth reads the
// user ids: `Uid:\treal\teffective\tsaved\tfs`. `ps -o user` shows the effective one.
import { ProcParseError, numberedLines, parseUint } from './procfile.ts';

const FILE = '/proc/<pid>/status';

export interface PidStatus {
  name: string;
  realUid: number;
  effectiveUid: number;
}

export function parsePidStatus(text: string): PidStatus {
  let name: string | undefined;
  let uids: number[] | undefined;
  for (const { no, line } of numberedLines(text)) {
    if (line.startsWith('Name:')) name = line.slice(5).trim();
    else if (line.startsWith('Uid:')) {
      const f = line.slice(4).trim().split(/\s+/);
      uids = f.map((x) => parseUint(x) ?? NaN);
      if (uids.length !== 4 || uids.some((u) => Number.isNaN(u)))
        throw new ProcParseError(FILE, no, line, 'expected four user ids');
      break;
    }
  }
  if (name === undefined || uids === undefined) throw new ProcParseError(FILE, 0, '', 'no Name: or Uid: line');
  return { name, realUid: uids[0]!, effectiveUid: uids[1]! };
}
