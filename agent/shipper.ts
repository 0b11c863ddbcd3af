// Delivery: snapshots wait in memory until the next flush, then become one gzip batch (protocol
// v2, columns) with its own id (so a resend after a timeout is absorbed by the server),
// written to the spool first and sent from there, oldest first: a kill at any moment loses no
// batch, and order is kept. When the server cannot be reached or answers 5xx, sending stops
// and resumes with exponential backoff and jitter. A 4xx is final for that batch: logged with
// the server's message, dropped.
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { PROTOCOL_VERSION } from '../protocol/constants.ts';
import type { Batch, ColumnBatch, Snapshot } from '../protocol/batch.ts';
import { snapshotsToColumns } from '../protocol/columns.ts';
import type { Logger } from './log.ts';
import type { Spool } from './spool.ts';
import { httpPost } from './http-post.ts';

export interface ShipperOptions {
  server: string;
  token: string;
  agent: Batch['agent'];
  spool: Spool;
  log: Logger;
  timeoutMs?: number;
  verbose?: boolean;
  /** Seconds; the backoff starts here and doubles up to maxBackoff. */
  minBackoff?: number;
  maxBackoff?: number;
  meta?: () => Batch['meta'];
}

type SendResult = { ok: true } | { ok: false; retry: boolean; message: string };

export class Shipper {
  private pending: Snapshot[] = [];
  private failures = 0;
  private retryAt = 0;
  private draining: Promise<void> | null = null;
  private lastFailure = '';
  sent = 0;
  rejected = 0;

  constructor(private readonly o: ShipperOptions) {}

  enqueue(s: Snapshot): void {
    this.pending.push(s);
  }

  get queued(): number {
    return this.pending.length;
  }

  /**
   * Writes what is pending to the spool as one batch (synchronously: once this returns, a
   * SIGKILL loses nothing), then sends spooled batches oldest first if the backoff allows.
   */
  flush(opts: { force?: boolean } = {}): Promise<void> {
    if (this.pending.length) {
      const snapshots = this.pending;
      this.pending = [];
      // Columns (protocol v2): each container's name and labels once per batch, not per tick.
      const batch: ColumnBatch = { v: PROTOCOL_VERSION, batch_id: crypto.randomUUID(), agent: this.o.agent, ...snapshotsToColumns(snapshots) };
      const meta = this.o.meta?.();
      if (meta && Object.keys(meta).length) batch.meta = meta;
      this.o.spool.put(batch.batch_id, zlib.gzipSync(JSON.stringify(batch)));
    }
    return this.drain(opts.force ?? false);
  }

  /** Replays spooled batches oldest first until one fails or none is left. */
  drain(force = false): Promise<void> {
    if (this.draining) return this.draining;
    if (!force && Date.now() < this.retryAt) return Promise.resolve();
    this.draining = (async () => {
      let replayed = 0;
      for (let b = this.o.spool.oldest(); b; b = this.o.spool.oldest()) {
        const r = await this.send(b.body, b.batchId);
        if (!r.ok && r.retry) break;
        this.o.spool.remove(b.file);
        if (r.ok) replayed++;
      }
      // Batches that went out at their first try are the normal case, not worth a line.
      if (replayed > 1 || this.o.spool.count > 0) this.o.log.info(`replayed ${replayed} spooled batches; ${this.o.spool.count} left`);
    })().finally(() => {
      this.draining = null;
    });
    return this.draining;
  }

  private async send(body: Buffer, batchId: string): Promise<SendResult> {
    let r: SendResult;
    try {
      const res = await httpPost(`${this.o.server}/api/v1/ingest`, {
        headers: {
          authorization: `Bearer ${this.o.token}`,
          'content-type': 'application/json',
          'content-encoding': 'gzip',
        },
        body,
        timeoutMs: this.o.timeoutMs ?? 15_000,
      });
      const text = res.text;
      if (res.status >= 200 && res.status < 300) {
        r = { ok: true };
      } else {
        let message = text.slice(0, 300);
        try {
          message = (JSON.parse(text) as { error?: string }).error ?? message;
        } catch {
          /* not JSON: keep the text */
        }
        const retry = res.status >= 500 || res.status === 408 || res.status === 429;
        r = { ok: false, retry, message: `HTTP ${res.status}: ${message}` };
      }
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      const why = err.name === 'TimeoutError' ? 'timed out' : err.code ?? err.message;
      r = { ok: false, retry: true, message: `cannot reach ${this.o.server} (${why})` };
    }
    if (r.ok) {
      this.sent++;
      if (this.failures > 0) this.o.log.info(`server answers again after ${this.failures} failed attempts`);
      this.failures = 0;
      this.retryAt = 0;
      this.lastFailure = '';
      if (this.o.verbose) this.o.log.info(`sent batch ${batchId} (${body.length} bytes)`);
    } else if (r.retry) {
      this.failures++;
      const base = (this.o.minBackoff ?? 1) * 2 ** Math.min(this.failures - 1, 10);
      const wait = Math.min(this.o.maxBackoff ?? 30, base) * (0.5 + Math.random() / 2);
      this.retryAt = Date.now() + wait * 1000;
      this.o.log.warn(`send failed: ${r.message}; ${this.o.spool.count} batches kept in the spool, next try in ${wait.toFixed(1)} s`);
    } else {
      this.rejected++;
      if (r.message !== this.lastFailure) this.o.log.error(`server refused batch ${batchId}: ${r.message} (dropped, not retried)`);
      this.lastFailure = r.message;
    }
    return r;
  }
}
