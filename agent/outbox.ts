// Where batches wait until the server has them, oldest first: the spool on disk (spool.ts),
// or, while it cannot be written (disk full, read-only), memory, bounded, and into the spool
// again as soon as it takes them. Knows nothing of what a batch holds.
import type { Logger } from '../lib/log.ts';
import type { Spool } from './spool.ts';

export interface OutboxEntry {
  /** Names the entry for `remove`: its spool file, or its place in memory. */
  key: string;
  batchId: string;
  body: Buffer;
}

/** Batches kept in memory while the spool cannot be written, in bytes, at most. */
export const MAX_HELD_BYTES = 64 * 1024 * 1024;

const HELD = 'memory-';

export class Outbox {
  /** Batches the spool could not take, oldest first; all newer than anything in the spool. */
  private held: OutboxEntry[] = [];
  private seq = 0;
  private spoolError = '';

  constructor(
    private readonly spool: Spool,
    private readonly log: Logger,
    private readonly maxHeldBytes = MAX_HELD_BYTES,
  ) {}

  /** Batches waiting, on disk and in memory. */
  get count(): number {
    return this.spool.count + this.held.length;
  }

  /** Batches held in memory because the spool could not be written (a restart loses them). */
  get inMemory(): number {
    return this.held.length;
  }

  /** Into the spool (synchronously: once this returns, a kill loses nothing), or, when it cannot be written, into memory behind what is there. */
  put(batchId: string, body: Buffer): void {
    if (this.held.length === 0 && this.write(batchId, body)) return;
    this.held.push({ key: `${HELD}${this.seq++}`, batchId, body });
    let bytes = this.held.reduce((n, b) => n + b.body.length, 0);
    while (bytes > this.maxHeldBytes && this.held.length > 1) {
      const old = this.held.shift()!;
      bytes -= old.body.length;
      this.log.warn(
        `spool still not writable and ${this.maxHeldBytes} bytes held in memory: dropped the oldest batch ${old.batchId}`,
      );
    }
  }

  /** What memory holds into the spool, oldest first, as far as it takes them. Not while one of them is being sent. */
  respool(): void {
    while (this.held.length && this.write(this.held[0].batchId, this.held[0].body)) this.held.shift();
  }

  /**
   * The oldest batches: up to `max` from the spool whose bodies stay within `maxBytes` (the
   * first whatever its size), or, once the spool is empty, the oldest held in memory, alone.
   */
  oldest(max: number, maxBytes: number): OutboxEntry[] {
    const run = this.spool.oldestRun(max, maxBytes);
    if (run.length) return run.map((b) => ({ key: b.file, batchId: b.batchId, body: b.body }));
    return this.held.slice(0, 1);
  }

  /** Forgets batches that were delivered or dropped; a key no longer there (the memory bound dropped it) is ignored. */
  remove(keys: readonly string[]): void {
    const inMemory = keys.filter((k) => k.startsWith(HELD));
    if (inMemory.length) this.held = this.held.filter((b) => !inMemory.includes(b.key));
    const files = keys.filter((k) => !k.startsWith(HELD));
    if (files.length) this.spool.remove(...files);
  }

  /** One batch into the spool; false (said once per distinct error) when the disk will not take it. */
  private write(batchId: string, body: Buffer): boolean {
    try {
      this.spool.put(batchId, body);
    } catch (e) {
      const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      if (why !== this.spoolError) {
        this.log.error(
          `cannot write the spool ${this.spool.dir} (${why}): batches are kept in memory and sent from there; until it can be written, a restart loses them`,
        );
      }
      this.spoolError = why;
      return false;
    }
    if (this.spoolError) this.log.info(`the spool ${this.spool.dir} can be written again`);
    this.spoolError = '';
    return true;
  }
}
