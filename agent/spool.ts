// The on-disk spool: batches the server has not taken yet, one gzip file each, named so that
// a directory listing is their order. Bounded in bytes: beyond the limit the oldest batch is
// dropped, counted and logged. Files are written to a temp name and renamed, so a kill at any
// moment leaves either a whole batch or none.
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../lib/log.ts';

export interface SpooledBatch {
  file: string;
  batchId: string;
  body: Buffer;
}

export class Spool {
  /**
   * Oldest first. The newest batch keeps its body too: at a short --flush it is sent right after
   * it was written, and is not read back from the disk for that (its file is the kept copy).
   */
  private files: { name: string; size: number; body?: Buffer }[] = [];
  private seq = 0;
  dropped = 0;

  constructor(
    readonly dir: string,
    private readonly maxBytes: number,
    private readonly log: Logger,
  ) {
    fs.mkdirSync(dir, { recursive: true });
    for (const name of fs.readdirSync(dir).sort()) {
      const full = path.join(dir, name);
      if (name.endsWith('.tmp')) {
        fs.rmSync(full, { force: true });
      } else if (name.endsWith('.json.gz')) {
        this.files.push({ name, size: fs.statSync(full).size });
      }
    }
    if (this.files.length)
      log.info(`spool ${dir}: ${this.files.length} batches (${this.bytes} bytes) waiting from an earlier run`);
  }

  get count(): number {
    return this.files.length;
  }

  get bytes(): number {
    return this.files.reduce((a, f) => a + f.size, 0);
  }

  put(batchId: string, body: Buffer): void {
    const name = `${String(Date.now()).padStart(15, '0')}-${String(this.seq++ % 1e6).padStart(6, '0')}-${batchId}.json.gz`;
    const full = path.join(this.dir, name);
    try {
      fs.writeFileSync(`${full}.tmp`, body);
      fs.renameSync(`${full}.tmp`, full);
    } catch (e) {
      // Disk full, read-only, gone: no half-written file left behind; the caller keeps the batch.
      try {
        fs.rmSync(`${full}.tmp`, { force: true });
      } catch {
        /* a read-only disk: nothing was written either */
      }
      throw e;
    }
    const last = this.files[this.files.length - 1];
    if (last) last.body = undefined;
    this.files.push({ name, size: body.length, body });
    while (this.bytes > this.maxBytes && this.files.length > 1) {
      const old = this.files.shift()!;
      fs.rmSync(path.join(this.dir, old.name), { force: true });
      this.dropped++;
      this.log.warn(
        `spool full (${this.maxBytes} bytes): dropped oldest batch ${old.name} (${this.dropped} dropped so far)`,
      );
    }
  }

  oldest(): SpooledBatch | undefined {
    return this.oldestRun(1, Infinity)[0];
  }

  /**
   * Up to `max` of the oldest batches, oldest first, whose bodies together stay within
   * `maxBytes` (the first is returned whatever its size).
   */
  oldestRun(max: number, maxBytes: number): SpooledBatch[] {
    const out: SpooledBatch[] = [];
    let bytes = 0;
    for (let i = 0; i < this.files.length && out.length < max;) {
      const f = this.files[i];
      if (out.length && bytes + f.size > maxBytes) break;
      const batchId = f.name
        .replace(/\.json\.gz$/, '')
        .split('-')
        .slice(2)
        .join('-');
      try {
        out.push({ file: f.name, batchId, body: f.body ?? fs.readFileSync(path.join(this.dir, f.name)) });
        bytes += f.size;
        i++;
      } catch {
        this.files.splice(i, 1); // removed behind our back: nothing to replay
      }
    }
    return out;
  }

  /** Forgets sent batches; a file that cannot be deleted (a read-only disk) is at worst resent, and absorbed. */
  remove(...files: string[]): void {
    const gone = new Set(files);
    this.files = this.files.filter((f) => !gone.has(f.name));
    for (const file of files) {
      try {
        fs.unlinkSync(path.join(this.dir, file));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
        this.log.warn(
          `spool: could not delete sent batch ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
        );
      }
    }
  }
}
