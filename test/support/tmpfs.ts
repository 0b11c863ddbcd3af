// A small file system of the test's own (tmpfs, so it fills up in a moment and vanishes
// without a trace), for tests of what happens when the disk is full. Mounting needs root:
// under CI=true that is required, elsewhere the test is skipped with the reason printed.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { tempDir } from './temp.ts';

export interface Tmpfs {
  readonly dir: string;
  /** Writes zeros into a file there until only `leave` bytes are free (0: not a page); returns its path. */
  fill(leave?: number, name?: string): string;
  unmount(): void;
}

/** True when the test may mount a tmpfs; under CI=true its absence fails the test. */
export function requireTmpfs(t: TestContext): boolean {
  const why = process.getuid?.() === 0 ? undefined : 'mounting a tmpfs needs root';
  if (why === undefined) return true;
  if (process.env.CI === 'true') throw new Error(`CI=true requires a tmpfs of the test's own: ${why}`);
  process.stderr.write(`# skipping: ${why}\n`);
  t.skip(why);
  return false;
}

export function mountTmpfs(bytes: number): Tmpfs {
  const dir = path.join(tempDir('berth-tmpfs-'), 'fs');
  fs.mkdirSync(dir);
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir]);
  let mounted = true;
  return {
    dir,
    fill(leave = 0, name = 'filler') {
      const file = path.join(dir, name);
      const fd = fs.openSync(file, 'a');
      const free = () => {
        const s = fs.statfsSync(dir);
        return s.bavail * s.bsize;
      };
      try {
        // Big writes, then page-sized ones for what is left, until not a page is free.
        for (const size of [1 << 20, 4096]) {
          const chunk = Buffer.alloc(size);
          for (;;) {
            if (free() - size < leave) break;
            try {
              if (fs.writeSync(fd, chunk) < size) break;
            } catch (e) {
              if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
              break;
            }
          }
        }
      } finally {
        fs.closeSync(fd);
      }
      return file;
    },
    unmount() {
      if (!mounted) return;
      mounted = false;
      // Lazy: a worker of a closing server may still hold a file for a moment.
      execFileSync('umount', ['-l', dir]);
    },
  };
}
