// cgroup v1 blkio statistics (Documentation/admin-guide/cgroup-v1/blkio-controller.rst):
// blkio.throttle.io_service_bytes, blkio.io_service_bytes_recursive and friends, one line per
// device and operation, then a grand total:
//   7:0 Read 20971520
//   7:0 Write 8388608
//   …
//   Total 29360128
// Files without operations (blkio.time, blkio.sectors) have `MAJOR:MINOR VALUE` lines. The
// `Total` line is left out, as containerd (and so `docker stats`) leaves it out.
import { ProcParseError, numberedLines, parseUint } from '../procfs/procfile.ts';

export interface BlkioLine {
  major: number;
  minor: number;
  /** Read, Write, Sync, Async, Discard, Total; '' in files without operations. */
  op: string;
  value: number;
}

export function parseBlkio(text: string, file: string): BlkioLine[] {
  const out: BlkioLine[] = [];
  for (const { no, line } of numberedLines(text)) {
    const f = line.trim().split(/\s+/);
    if (f[0] === 'Total' && f.length === 2) continue;
    const dev = /^(\d+):(\d+)$/.exec(f[0]!);
    if (!dev || (f.length !== 2 && f.length !== 3))
      throw new ProcParseError(file, no, line, 'expected "MAJOR:MINOR [OP] VALUE" or "Total VALUE"');
    const value = parseUint(f[f.length - 1]);
    if (value === undefined) throw new ProcParseError(file, no, line, 'value is not a number');
    out.push({ major: Number(dev[1]), minor: Number(dev[2]), op: f.length === 3 ? f[1]! : '', value });
  }
  return out;
}
