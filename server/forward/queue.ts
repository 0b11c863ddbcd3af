// The forwarding queue of one remote-write target, on disk: what is waiting survives a
// restart of the server and an outage of the receiver, up to a bound in bytes; past it the
// oldest goes first, counted. Records are appended to numbered segment files
// (`0000000001.seg`, …) and read from a cursor (`cursor`, replaced by rename, so it is always
// whole); a segment wholly behind the cursor is deleted. Each record carries its own length,
// CRC-32, sample count and the time it was queued, so a record cut short by a crash is found
// and cut off at the next open. Synchronous I/O: it runs on the forwarding thread.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const MAGIC = 0x42525731; // "BRW1"
const HEADER = 24; // magic u32, length u32, crc32 u32, samples u32, queued-at f64 (ms)
const SEGMENT_RE = /^(\d{10})\.seg$/;

export interface QueueOptions {
  /** Bytes the queue may hold (records and their headers); past it the oldest are dropped. */
  maxBytes: number;
  /** A segment file is closed and a new one begun past this size. */
  segmentBytes?: number;
  /** Milliseconds since the epoch. */
  now?: () => number;
}

interface Entry {
  seq: number;
  seg: number;
  offset: number;
  length: number;
  samples: number;
  queuedAt: number;
}

export interface Peeked {
  /** The last record's sequence number: ack(upTo) when the target took them. */
  upTo: number;
  payloads: Buffer[];
  samples: number;
  records: number;
}

export interface OpenReport {
  records: number;
  /** Bytes of a record a crash cut short, cut off the end of a segment. */
  truncated: number;
  /** Bytes of segments that could not be read past a damaged record (not the last segment). */
  skipped: number;
}

const segName = (n: number) => `${String(n).padStart(10, '0')}.seg`;

export class DiskQueue {
  private entries: Entry[] = [];
  private head = 0;
  private seq = 0;
  private bytes = 0;
  private samples = 0;
  private writeSeg = 0;
  private writeFd = -1;
  private writeSize = 0;
  private dirty = false;
  private readFds = new Map<number, number>();
  private readonly segmentBytes: number;
  private readonly now: () => number;
  readonly report: OpenReport = { records: 0, truncated: 0, skipped: 0 };

  constructor(
    readonly dir: string,
    private readonly opts: QueueOptions,
  ) {
    this.segmentBytes = opts.segmentBytes ?? 16 * 1024 * 1024;
    this.now = opts.now ?? Date.now;
    fs.mkdirSync(dir, { recursive: true });
    this.recover();
  }

  /** Records, bytes and samples waiting, and when the oldest was queued (ms), or null. */
  get size(): { records: number; bytes: number; samples: number; oldest: number | null } {
    const first = this.entries[this.head];
    return {
      records: this.entries.length - this.head,
      bytes: this.bytes,
      samples: this.samples,
      oldest: first ? first.queuedAt : null,
    };
  }

  /**
   * Appends a record. When the queue would hold more than its bound, the oldest records go
   * first (a record larger than the whole bound is not kept); returns the samples dropped.
   */
  append(payload: Uint8Array, samples: number): number {
    const size = HEADER + payload.length;
    let dropped = 0;
    if (size > this.opts.maxBytes) return samples;
    let cut = this.head;
    while (cut < this.entries.length && this.bytes + size > this.opts.maxBytes) {
      const e = this.entries[cut++];
      this.bytes -= HEADER + e.length;
      this.samples -= e.samples;
      dropped += e.samples;
    }
    if (cut > this.head) this.advance(cut);
    if (this.writeFd < 0 || this.writeSize >= this.segmentBytes) this.roll();
    const header = Buffer.alloc(HEADER);
    const queuedAt = this.now();
    header.writeUInt32LE(MAGIC, 0);
    header.writeUInt32LE(payload.length, 4);
    header.writeUInt32LE(zlib.crc32(payload), 8);
    header.writeUInt32LE(samples, 12);
    header.writeDoubleLE(queuedAt, 16);
    fs.writevSync(this.writeFd, [header, payload]);
    this.entries.push({
      seq: ++this.seq,
      seg: this.writeSeg,
      offset: this.writeSize,
      length: payload.length,
      samples,
      queuedAt,
    });
    this.writeSize += size;
    this.bytes += size;
    this.samples += samples;
    this.dirty = true;
    return dropped;
  }

  /** The oldest records, up to `maxRecords` and `maxBytes` of payload (at least one), without taking them. */
  peek(maxRecords: number, maxBytes: number): Peeked | undefined {
    if (this.head >= this.entries.length) return undefined;
    const out: Peeked = { upTo: 0, payloads: [], samples: 0, records: 0 };
    let bytes = 0;
    for (let i = this.head; i < this.entries.length && out.records < maxRecords; i++) {
      const e = this.entries[i];
      if (out.records > 0 && bytes + e.length > maxBytes) break;
      out.payloads.push(this.read(e));
      out.samples += e.samples;
      out.records++;
      out.upTo = e.seq;
      bytes += e.length;
    }
    return out;
  }

  /** The records up to sequence `upTo` were taken (or given up): they go, for good. Returns the samples that went. */
  ack(upTo: number): number {
    let cut = this.head;
    let samples = 0;
    while (cut < this.entries.length && this.entries[cut].seq <= upTo) {
      const e = this.entries[cut++];
      this.bytes -= HEADER + e.length;
      this.samples -= e.samples;
      samples += e.samples;
    }
    if (cut > this.head) this.advance(cut);
    return samples;
  }

  /** Flushes appended records to the disk (a crash of the process loses nothing either way; this is for the machine's). */
  sync(): void {
    if (this.dirty && this.writeFd >= 0) fs.fdatasyncSync(this.writeFd);
    this.dirty = false;
  }

  close(): void {
    this.sync();
    if (this.writeFd >= 0) fs.closeSync(this.writeFd);
    this.writeFd = -1;
    for (const fd of this.readFds.values()) fs.closeSync(fd);
    this.readFds.clear();
  }

  private read(e: Entry): Buffer {
    let fd = this.readFds.get(e.seg);
    if (fd === undefined) {
      fd = fs.openSync(path.join(this.dir, segName(e.seg)), 'r');
      this.readFds.set(e.seg, fd);
    }
    const buf = Buffer.allocUnsafe(e.length);
    const n = fs.readSync(fd, buf, 0, e.length, e.offset + HEADER);
    if (n !== e.length)
      throw new Error(`${segName(e.seg)}: a record at ${e.offset} is cut short (${n} of ${e.length} bytes)`);
    return buf;
  }

  /** Moves the cursor to entry `cut` (the first still waiting), writes it down, deletes what lies wholly behind. */
  private advance(cut: number): void {
    const last = this.entries[cut - 1];
    const next = this.entries[cut];
    const [seg, offset] = next ? [next.seg, next.offset] : [last.seg, last.offset + HEADER + last.length];
    this.head = cut;
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
    const tmp = path.join(this.dir, 'cursor.tmp');
    fs.writeFileSync(tmp, `${seg} ${offset}\n`);
    fs.renameSync(tmp, path.join(this.dir, 'cursor'));
    for (const n of this.segments()) if (n < seg && n !== this.writeSeg) this.remove(n);
  }

  private remove(n: number): void {
    const fd = this.readFds.get(n);
    if (fd !== undefined) fs.closeSync(fd);
    this.readFds.delete(n);
    fs.rmSync(path.join(this.dir, segName(n)), { force: true });
  }

  private segments(): number[] {
    return fs
      .readdirSync(this.dir)
      .map((f) => SEGMENT_RE.exec(f)?.[1])
      .filter((x): x is string => x !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  }

  private roll(): void {
    if (this.writeFd >= 0) {
      this.sync();
      fs.closeSync(this.writeFd);
    }
    this.writeSeg++;
    this.writeFd = fs.openSync(path.join(this.dir, segName(this.writeSeg)), 'a');
    this.writeSize = 0;
  }

  /** Reads what the last process left: the cursor, then every record after it, cutting off a torn end. */
  private recover(): void {
    let cursor: [number, number] = [0, 0];
    try {
      const m = /^(\d+) (\d+)\s*$/.exec(fs.readFileSync(path.join(this.dir, 'cursor'), 'utf8'));
      if (m) cursor = [Number(m[1]), Number(m[2])];
    } catch {
      // No cursor yet: from the first segment.
    }
    fs.rmSync(path.join(this.dir, 'cursor.tmp'), { force: true });
    const segs = this.segments();
    for (const n of segs) if (n < cursor[0]) this.remove(n);
    const live = segs.filter((n) => n >= cursor[0]);
    live.forEach((n, i) => {
      const file = path.join(this.dir, segName(n));
      const buf = fs.readFileSync(file);
      let p = n === cursor[0] ? Math.min(cursor[1], buf.length) : 0;
      while (p < buf.length) {
        const ok =
          p + HEADER <= buf.length &&
          buf.readUInt32LE(p) === MAGIC &&
          p + HEADER + buf.readUInt32LE(p + 4) <= buf.length &&
          zlib.crc32(buf.subarray(p + HEADER, p + HEADER + buf.readUInt32LE(p + 4))) === buf.readUInt32LE(p + 8);
        if (!ok) break;
        const length = buf.readUInt32LE(p + 4);
        const samples = buf.readUInt32LE(p + 12);
        this.entries.push({ seq: ++this.seq, seg: n, offset: p, length, samples, queuedAt: buf.readDoubleLE(p + 16) });
        this.bytes += HEADER + length;
        this.samples += samples;
        p += HEADER + length;
      }
      if (p < buf.length) {
        // The last segment's end is where a crash stops a write: cut it off and append after.
        // Anywhere else the rest of that segment cannot be read.
        if (i === live.length - 1) {
          fs.truncateSync(file, p);
          this.report.truncated += buf.length - p;
        } else this.report.skipped += buf.length - p;
      }
    });
    this.report.records = this.entries.length;
    const last = live[live.length - 1];
    this.writeSeg = last ?? Math.max(0, cursor[0] - 1);
    if (last !== undefined) {
      this.writeFd = fs.openSync(path.join(this.dir, segName(last)), 'a');
      this.writeSize = fs.fstatSync(this.writeFd).size;
    }
  }
}
