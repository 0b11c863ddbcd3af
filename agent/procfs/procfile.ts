// What every /proc parser shares: reading a file whole, the error for a malformed line, and
// strict number parsing (a counter is digits only; `Number('')` would quietly give 0).
import { readFile } from 'node:fs/promises';
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
 * Reads a /proc (or /sys) file in one go: procfs reports a size of 0, so the whole text is read
 * until EOF, and one read keeps the snapshot consistent. A missing file is SourceMissing.
 */
export async function readProcFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new SourceMissing(`${path} does not exist`);
    throw err;
  }
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
