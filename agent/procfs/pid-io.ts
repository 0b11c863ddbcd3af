// /proc/<pid>/io: a process's I/O counters (Documentation/filesystems/proc.rst), `key: value`:
//   rchar, wchar (bytes through read/write syscalls, cache hits included), syscr, syscw,
//   read_bytes, write_bytes (bytes the process caused to be fetched from or sent to storage),
//   cancelled_write_bytes (dirty pages it truncated away before they were written).
// Readable only with ptrace access to the process (root, or the same user): EACCES otherwise.
import { ProcParseError, numberedLines, parseUint } from './procfile.ts';

const FILE = '/proc/<pid>/io';

export interface PidIo {
  rchar: number;
  wchar: number;
  syscr: number;
  syscw: number;
  readBytes: number;
  writeBytes: number;
  cancelledWriteBytes: number;
}

const KEYS: Record<string, keyof PidIo> = {
  rchar: 'rchar',
  wchar: 'wchar',
  syscr: 'syscr',
  syscw: 'syscw',
  read_bytes: 'readBytes',
  write_bytes: 'writeBytes',
  cancelled_write_bytes: 'cancelledWriteBytes',
};

export function parsePidIo(text: string): PidIo {
  const out: Partial<PidIo> = {};
  for (const { no, line } of numberedLines(text)) {
    const colon = line.indexOf(': ');
    if (colon <= 0) throw new ProcParseError(FILE, no, line, 'expected "key: value"');
    const key = KEYS[line.slice(0, colon)];
    const v = parseUint(line.slice(colon + 2).trim());
    if (v === undefined) throw new ProcParseError(FILE, no, line, 'value is not a number');
    if (key) out[key] = v;
  }
  for (const [k, name] of Object.entries(KEYS)) {
    // Without CONFIG_TASK_IO_ACCOUNTING only the first four are printed.
    if (out[name] === undefined) {
      if (k === 'read_bytes' || k === 'write_bytes' || k === 'cancelled_write_bytes') out[name] = 0;
      else throw new ProcParseError(FILE, 0, '', `no ${k}`);
    }
  }
  return out as PidIo;
}

const READ_BYTES = /\nread_bytes: (\d+)\n/;
const WRITE_BYTES = /\nwrite_bytes: (\d+)\n/;

/**
 * Bytes read from and written to storage (read_bytes, write_bytes), as parsePidIo reads them,
 * with two native matches rather than seven lines parsed: what the top-processes collector
 * reads of every process that ran, every tick. A file of another shape goes through
 * parsePidIo, which reads it or says what is wrong with it.
 */
export function pidIoBytes(text: string): { readBytes: number; writeBytes: number } {
  const r = READ_BYTES.exec(text);
  const w = r && WRITE_BYTES.exec(text);
  if (r && w && text.startsWith('rchar: ')) return { readBytes: Number(r[1]), writeBytes: Number(w[1]) };
  const io = parsePidIo(text);
  return { readBytes: io.readBytes, writeBytes: io.writeBytes };
}
