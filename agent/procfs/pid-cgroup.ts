// /proc/<pid>/cgroup: the cgroups a process belongs to, one line per hierarchy (cgroups(7)):
//   v1:  4:memory:/docker/ddbe6f33d679…        (id, comma-separated controllers, path)
//        9:name=systemd:/system.slice/ssh.service
//   v2:  0::/system.slice/docker-ddbe6f33d679….scope
// Paths are relative to the reader's cgroup namespace: a process in an ancestor's namespace
// shows as `/../…`, which cannot be followed from here.
import { ProcParseError, numberedLines, parseUint } from './procfile.ts';

const FILE = '/proc/<pid>/cgroup';

export interface PidCgroup {
  hierarchy: number;
  /** Controllers bound to the hierarchy (`cpu`, `cpuacct`, `name=systemd`); empty for v2. */
  controllers: string[];
  path: string;
}

export function parsePidCgroup(text: string): PidCgroup[] {
  const out: PidCgroup[] = [];
  for (const { no, line } of numberedLines(text)) {
    const first = line.indexOf(':');
    const second = first < 0 ? -1 : line.indexOf(':', first + 1);
    // The path may itself hold ':' (a systemd slice can be named so): cut at the first two only.
    if (second < 0) throw new ProcParseError(FILE, no, line, 'expected "ID:CONTROLLERS:PATH"');
    const hierarchy = parseUint(line.slice(0, first));
    if (hierarchy === undefined) throw new ProcParseError(FILE, no, line, 'hierarchy id is not a number');
    const list = line.slice(first + 1, second);
    out.push({ hierarchy, controllers: list ? list.split(',') : [], path: line.slice(second + 1) });
  }
  return out;
}

/**
 * The cgroup path of a process for one controller (v1), else its v2 path (`0::`), which is
 * what a unified hierarchy has for every controller.
 */
export function cgroupPathFor(entries: readonly PidCgroup[], controller: string): string | undefined {
  return (
    entries.find((e) => e.controllers.includes(controller))?.path ??
    entries.find((e) => e.hierarchy === 0 && e.controllers.length === 0)?.path
  );
}
