// /proc/uptime: `249.93 258.62` — seconds since boot, and idle seconds summed over all CPUs
// (so the second can exceed the first on a multi-core host).
import { ProcParseError, parseUdec, readProcFile, underRoot } from './procfile.ts';

const FILE = '/proc/uptime';

export interface Uptime {
  uptimeSeconds: number;
  idleSeconds: number;
}

export function parseUptime(text: string): Uptime {
  const line = text.split('\n')[0];
  const f = line.trim().split(/\s+/);
  const uptimeSeconds = parseUdec(f[0]);
  const idleSeconds = parseUdec(f[1]);
  if (uptimeSeconds === undefined || idleSeconds === undefined) {
    throw new ProcParseError(FILE, 1, line, 'expected "uptime idle" in seconds');
  }
  return { uptimeSeconds, idleSeconds };
}

export async function readUptime(procRoot: string): Promise<Uptime> {
  return parseUptime(await readProcFile(underRoot(procRoot, 'uptime')));
}
