// Temporary folders for tests, removed when the process that made them exits (a test file's,
// or the one test/run.ts packs several unit test files into), so a run leaves nothing behind
// in the system's temp dir.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const made: string[] = [];

process.on('exit', () => {
  for (const dir of made) {
    try {
      fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      // A child process still writing there, or a folder a test made unreadable: left as is.
    }
  }
});

/** A new empty folder under the system's temp dir, removed when this process exits. */
export function tempDir(prefix = 'berth-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}
