// What every /proc parser shares: reading a file whole, the error for a malformed line, and
// strict number parsing (a counter is digits only; `Number('')` would quietly give 0).
import { closeSync, openSync, readSync } from 'node:fs';
import { SourceMissing } from '../source-missing.ts';

/** A line of a /proc file that does not have the kernel's format. */
export class ProcParseError extends Error {
  constructor(
    readonly file: string,
    readonly lineNo: number,
    readonly line: string,
    reason: string,
  ) {
    const shown = line.length > 200 ? `${line.slice(0, 200)}…` : line;
    super(`${file}: line ${lineNo}: ${reason}: ${JSON.stringify(shown)}`);
    this.name = 'ProcParseError';
  }
}

/**
 * Reads a /proc file in one go: procfs reports a size of 0, so the whole text is read until
 * EOF, and one read keeps the snapshot consistent. A missing file is SourceMissing. Read
 * synchronously (readSmallFileSync): /proc is generated in memory, nothing waits on a disk,
 * and fs.promises.readFile costs ten times the CPU for these few kilobytes.
 */
export async function readProcFile(path: string): Promise<string> {
  const text = readSmallFileSync(path, 'utf8');
  if (text === undefined) throw new SourceMissing(`${path} does not exist`);
  return text;
}

let scratch = Buffer.allocUnsafe(16 * 1024);

/**
 * Reads a small /proc, /sys or cgroup file synchronously into a buffer kept between calls, or
 * gives undefined when it is not there (a process or cgroup that went away: ENOENT, ENOTDIR,
 * ESRCH). For the files read by the hundred every tick (a cgroup's counters, /proc/<pid>/stat):
 * these files live in memory, so nothing waits on a disk, and one open/read/close costs about a
 * tenth of what fs.promises.readFile does (16 µs against 160 µs of CPU here), which at 60
 * containers or 1,000 processes per tick is the agent's whole budget. Latin-1: these files are
 * ASCII, and a process name in another encoding is shown byte for byte rather than mangled.
 */
export function readSmallFileSync(path: string, encoding: 'latin1' | 'utf8' = 'latin1'): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    if (isGone(err)) return undefined;
    throw err;
  }
  try {
    let size = 0;
    for (;;) {
      if (size === scratch.length) {
        const bigger = Buffer.allocUnsafe(scratch.length * 2);
        scratch.copy(bigger, 0, 0, size);
        scratch = bigger;
      }
      // Positionless reads: a procfs file's offsets are not byte positions for every file.
      const room = scratch.length - size;
      const n = readSync(fd, scratch, size, room, null);
      size += n;
      // proc, sys and cgroup files are seq files, which fill the buffer up to their end: a
      // short read is the end, without a second call to learn it.
      if (n < room) break;
    }
    return scratch.toString(encoding, 0, size);
  } catch (err) {
    if (isGone(err)) return undefined;
    throw err;
  } finally {
    closeSync(fd);
  }
}

function isGone(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'ESRCH';
}

/** Non-empty lines with their 1-based line numbers, for error messages. */
export function numberedLines(text: string): { no: number; line: string }[] {
  const out: { no: number; line: string }[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) if (lines[i].trim() !== '') out.push({ no: i + 1, line: lines[i] });
  return out;
}

const UINT = /^\d+$/;
const UDEC = /^\d+(?:\.\d+)?$/;

/** An unsigned decimal integer (counters), or undefined. Above 2^53 precision is lost, not sense. */
export function parseUint(s: string | undefined): number | undefined {
  return s !== undefined && UINT.test(s) ? Number(s) : undefined;
}

/** An unsigned decimal such as `0.56` or `249.93`, or undefined. */
export function parseUdec(s: string | undefined): number | undefined {
  return s !== undefined && UDEC.test(s) ? Number(s) : undefined;
}

/** The 1-based number and text of the line holding text[index], for error messages. */
export function lineAt(text: string, index: number): { no: number; line: string } {
  let no = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < index; i = text.indexOf('\n', i + 1)) no++;
  const start = text.lastIndexOf('\n', index - 1) + 1;
  const end = text.indexOf('\n', index);
  return { no, line: text.slice(start, end < 0 ? text.length : end) };
}

/** Join a root (`/proc`, `/host/proc`, a test dir) and a path inside it. */
export function underRoot(root: string, path: string): string {
  return `${root.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

/**
 * Where `net/…` files of the host's network namespace are: `/proc` itself for an agent on the
 * host, `<procRoot>/1` for a host /proc mounted into a container, since `<procRoot>/net`
 * resolves to the reader's own (the container's) namespace, while pid 1 is the host's init.
 */
export function hostNetRoot(procRoot: string): string {
  const root = procRoot.replace(/\/+$/, '') || '/';
  return root === '/proc' ? root : `${root}/1`;
}
