// /proc/<pid>/mountinfo: the mount table of a process's mount namespace (proc(5)):
// `36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue`
// mount id, parent id, st_dev major:minor, root within the fs, mount point, mount options,
// zero or more optional fields ended by a lone `-`, then fs type, source, super options.
// Fields are separated by single spaces; the kernel escapes space, tab, newline and backslash
// in paths as octal (`\040`), so splitting on ' ' is exact and an empty source stays ''.
import { ProcParseError, numberedLines, parseUint, readProcFile, underRoot } from './procfile.ts';

const FILE = '/proc/self/mountinfo';

export interface Mount {
  mountId: number;
  parentId: number;
  major: number;
  minor: number;
  /** Path inside the file system that is mounted here (not `/` for bind mounts of a subdir). */
  root: string;
  mountPoint: string;
  options: string;
  optionalFields: string[];
  fstype: string;
  source: string;
  superOptions: string;
}

/** Undo the kernel's `mangle()`: `\040` → ' ', `\011` → tab, `\012` → newline, `\134` → '\'. */
export function unescapeMountField(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

export function parseMountinfo(text: string): Mount[] {
  const out: Mount[] = [];
  for (const { no, line } of numberedLines(text)) {
    const f = line.split(' ');
    const sep = f.indexOf('-', 6);
    if (f.length < 10 || sep < 0 || f.length - sep < 4) {
      throw new ProcParseError(
        FILE,
        no,
        line,
        'expected "id parent major:minor root mountpoint options [optional…] - fstype source superoptions"',
      );
    }
    const mountId = parseUint(f[0]);
    const parentId = parseUint(f[1]);
    const dev = /^(\d+):(\d+)$/.exec(f[2]);
    if (mountId === undefined || parentId === undefined || !dev) {
      throw new ProcParseError(FILE, no, line, 'bad mount id, parent id or major:minor');
    }
    out.push({
      mountId,
      parentId,
      major: Number(dev[1]),
      minor: Number(dev[2]),
      root: unescapeMountField(f[3]),
      mountPoint: unescapeMountField(f[4]),
      options: f[5],
      optionalFields: f.slice(6, sep),
      fstype: f[sep + 1],
      source: unescapeMountField(f[sep + 2]),
      superOptions: f.slice(sep + 3).join(' '),
    });
  }
  return out;
}

/** Reads `<procRoot>/<pid>/mountinfo`; `pid` is `self` for our own mount namespace. */
export async function readMountinfo(procRoot: string, pid = 'self'): Promise<Mount[]> {
  return parseMountinfo(await readProcFile(underRoot(procRoot, `${pid}/mountinfo`)));
}
