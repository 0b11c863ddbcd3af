// Delivery: snapshots wait in memory until the next flush, then become one gzip batch (protocol
// v2, columns) with its own id (so a resend after a timeout is absorbed by the server),
// written to the spool first and sent from there, oldest first: a kill at any moment loses no
// batch, and order is kept. When the server cannot be reached, or answers anything but a
// refusal of the batch itself (5xx, a redirect, 401, 403, 404, 409, …), sending stops and
// resumes with exponential backoff and jitter, the batch kept. A refusal of the batch itself
// (400, 413: refusedForGood) is final: logged with the server's message, dropped, counted. A
// spool that cannot be written (disk full) holds batches in memory, bounded, sent from there.
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { PROTOCOL_VERSION } from '../protocol/constants.ts';
import type { Batch, ColumnBatch, Snapshot } from '../protocol/batch.ts';
import { snapshotsToColumns } from '../protocol/columns.ts';
import { escapeControls, plural, type Logger } from './log.ts';
import type { Spool, SpooledBatch } from './spool.ts';
import { httpPost } from './http-post.ts';
import { CATCH_UP_MAX_BATCHES, CATCH_UP_MAX_BYTES, mergeSpooled } from './catch-up.ts';

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

/**
 * `status`: the server's answer, if any. `mayBeStored`: a failure after which the server may
 * still have stored the batch (a timeout, a connection reset, a gateway's 502 or 504).
 */
type SendResult = { ok: true } | { ok: false; retry: boolean; message: string; status?: number; mayBeStored?: boolean };

/** A catch-up send takes longer than one batch's: this many times the send timeout. */
const CATCH_UP_TIMEOUT_FACTOR = 4;

/** Batches kept in memory while the spool cannot be written (disk full, read-only) at most. */
const MAX_UNSPOOLED_BYTES = 64 * 1024 * 1024;

/**
 * Whether a refusal is about the batch itself, so that dropping it is right: a 400 (malformed,
 * or stamped by a clock a day ahead; sent again it is refused again), except for a protocol
 * version the server does not know yet (it may be upgraded), and a 413 (it will not shrink).
 * Every other answer (a redirect, 401 for a revoked token, 403 from a proxy, 404 for a wrong
 * path, 409 for a host-name conflict, 415, 5xx) is about where or how it was sent, fixed by
 * whoever runs it: the batch stays in the spool and is retried with backoff.
 */
export function refusedForGood(status: number, message: string): boolean {
  if (status === 413) return true;
  return status === 400 && !message.startsWith('v: ');
}

/** Text from the server fit for the log: the token never (a proxy may echo the request), control characters escaped. */
export function forLog(text: string, token: string): string {
  // A token of a few characters ("t") is masked only where it stands alone, or "cannot reach
  // http://…" would read "canno[token] reach h[token][token]p://…"; a longer one everywhere.
  const masked = !token
    ? text
    : token.length >= 8
      ? text.split(token).join('[token]')
      : text.replace(
          new RegExp(`(?<![\\w-])${token.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w-])`, 'g'),
          '[token]',
        );
  return escapeControls(masked);
}

/** A catch-up batch: the spool files it stands for, its id and body. */
interface CatchUp {
  files: string[];
  batchId: string;
  body: Buffer;
}

export class Shipper {
  private pending: Snapshot[] = [];
  private failures = 0;
  private retryAt = 0;
  /** Fires the next try when the backoff ends, so "next try in N s" is when it happens. */
  private retryTimer: NodeJS.Timeout | undefined;
  private lastRetryMessage = '';
  private draining: Promise<void> | null = null;
  private lastFailure = '';
  /** Batches the spool could not take, oldest first, sent from here (and spooled once it can). */
  private unspooled: { batchId: string; body: Buffer }[] = [];
  private spoolError = '';
  /** After the server refused a catch-up batch as a whole: how many of the oldest go out one at a time. */
  private singlesLeft = 0;
  /** A catch-up batch whose answer was lost: sent again as it was while its members are the oldest. */
  private resend: CatchUp | undefined;
  /** Catch-up batches' members at most, in bytes (lowered by a 413). */
  private catchUpBytes = CATCH_UP_MAX_BYTES;
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
    this.spoolPending();
    return this.drain(opts.force ?? false);
  }

  /** What is pending, as one batch, into the spool now (synchronously), without sending. */
  spoolPending(): void {
    // What memory holds goes to the spool first, so the new batch lands behind it.
    this.respool();
    if (this.pending.length) {
      const snapshots = this.pending;
      this.pending = [];
      // Columns (protocol v2): each container's name and labels once per batch, not per tick.
      const batch: ColumnBatch = {
        v: PROTOCOL_VERSION,
        batch_id: crypto.randomUUID(),
        agent: this.o.agent,
        ...snapshotsToColumns(snapshots),
      };
      const meta = this.o.meta?.();
      if (meta && Object.keys(meta).length) batch.meta = meta;
      this.keep(batch.batch_id, zlib.gzipSync(JSON.stringify(batch)));
    }
  }

  /** Batches held in memory because the spool could not be written. */
  get inMemory(): number {
    return this.unspooled.length;
  }

  /** Into the spool, or (when it cannot be written) into memory, bounded, behind any already there. */
  private keep(batchId: string, body: Buffer): void {
    if (this.unspooled.length === 0 && this.spool(batchId, body)) return;
    this.unspooled.push({ batchId, body });
    let bytes = this.unspooled.reduce((n, b) => n + b.body.length, 0);
    while (bytes > MAX_UNSPOOLED_BYTES && this.unspooled.length > 1) {
      const old = this.unspooled.shift()!;
      bytes -= old.body.length;
      this.o.log.warn(
        `spool still not writable and ${MAX_UNSPOOLED_BYTES} bytes held in memory: dropped the oldest batch ${old.batchId}`,
      );
    }
  }

  /** Writes one batch to the spool; false (said once per distinct error) when the disk will not take it. */
  private spool(batchId: string, body: Buffer): boolean {
    try {
      this.o.spool.put(batchId, body);
    } catch (e) {
      const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      if (why !== this.spoolError) {
        this.o.log.error(
          `cannot write the spool ${this.o.spool.dir} (${why}): batches are kept in memory and sent from there; until it can be written, a restart loses them`,
        );
      }
      this.spoolError = why;
      return false;
    }
    if (this.spoolError) this.o.log.info(`the spool ${this.o.spool.dir} can be written again`);
    this.spoolError = '';
    return true;
  }

  /** Batches held in memory go to the spool, oldest first, as soon as it takes them (not while a drain is sending them). */
  private respool(): void {
    if (this.draining) return;
    while (this.unspooled.length && this.spool(this.unspooled[0].batchId, this.unspooled[0].body))
      this.unspooled.shift();
  }

  /** Replays spooled batches oldest first until one fails or none is left. */
  drain(force = false): Promise<void> {
    if (this.draining) return this.draining;
    // The monotonic clock: a wall clock stepped back (NTP) must not hold sending back.
    if (!force && performance.now() < this.retryAt) return Promise.resolve();
    this.draining = (async () => {
      let replayed = 0;
      let requests = 0;
      let stalled = false;
      for (;;) {
        const run = this.o.spool.oldestRun(this.singlesLeft ? 1 : CATCH_UP_MAX_BATCHES, this.catchUpBytes);
        if (!run.length) break;
        const merged = run.length > 1 ? this.catchUp(run) : undefined;
        if (merged) {
          const r = await this.send(merged.body, merged.batchId, merged.files.length);
          /** Later catch-up batches at most half this one's members' bytes. */
          const shrink = () =>
            (this.catchUpBytes = Math.floor(
              run.slice(0, merged.files.length).reduce((n, b) => n + b.body.length, 0) / 2,
            ));
          // One the server may have stored (its answer lost) goes again as it was, once: the
          // same id, absorbed as a duplicate. Any other failure, or the second: the oldest
          // alone tries next (a link too slow for it, a proxy's body limit, a proxy answering
          // 502 for a server that is down), and the next catch-up batches are smaller.
          const again = this.resend === merged;
          this.resend = !r.ok && r.retry && r.mayBeStored && !again ? merged : undefined;
          if (!r.ok && r.retry && again) shrink();
          if (!r.ok && r.retry) {
            stalled = true;
            break;
          }
          if (r.ok) {
            this.o.spool.remove(...merged.files);
            replayed += merged.files.length;
            requests++;
          } else {
            // Refused as a whole (one bad member, or too large for this server): its members
            // go one at a time, so that only a bad one is dropped; after a 413, later ones
            // are made smaller.
            this.singlesLeft = merged.files.length;
            if (r.status === 413) shrink();
          }
          continue;
        }
        const b = run[0];
        const r = await this.send(b.body, b.batchId);
        if (!r.ok && r.retry) {
          stalled = true;
          break;
        }
        this.o.spool.remove(b.file);
        if (this.singlesLeft) this.singlesLeft--;
        if (r.ok) {
          replayed++;
          requests++;
        }
      }
      // Then what only memory holds (the spool could not take it), oldest first.
      while (!stalled && this.unspooled.length) {
        const b = this.unspooled[0];
        const r = await this.send(b.body, b.batchId);
        if (!r.ok && r.retry) break;
        // By identity: the memory bound may have dropped it (and moved the rest) meanwhile.
        const at = this.unspooled.indexOf(b);
        if (at >= 0) this.unspooled.splice(at, 1);
        if (r.ok) {
          replayed++;
          requests++;
        }
      }
      // Batches that went out at their first try are the normal case, not worth a line; nor is
      // a try that sent nothing (its failure has said so).
      if (replayed > 1 || (replayed > 0 && this.o.spool.count > 0))
        this.o.log.info(
          `replayed ${plural(replayed, 'spooled batch', 'spooled batches')}${requests < replayed ? ` in ${plural(requests, 'request', 'requests')}` : ''}; ${this.o.spool.count} left`,
        );
    })().finally(() => {
      this.draining = null;
    });
    return this.draining;
  }

  /**
   * The catch-up batch for the oldest spooled batches `run`, if one goes out: the one whose
   * answer was lost, again, while its members are still the oldest; else a new merge, but not
   * while the server is failing (then the oldest alone tries it, and the merge is made once
   * it answers).
   */
  private catchUp(run: SpooledBatch[]): CatchUp | undefined {
    const again = this.resend;
    if (again && again.files.every((f, k) => run[k]?.file === f)) return again;
    this.resend = undefined;
    if (this.failures > 0) return undefined;
    const m = mergeSpooled(run, this.catchUpBytes);
    return m && { files: run.slice(0, m.count).map((b) => b.file), batchId: m.batchId, body: m.body };
  }

  /** Sends one body; `members` > 1 for a catch-up batch that stands for that many spooled ones. */
  private async send(body: Buffer, batchId: string, members = 1): Promise<SendResult> {
    let r: SendResult;
    try {
      const res = await httpPost(`${this.o.server}/api/v1/ingest`, {
        headers: {
          authorization: `Bearer ${this.o.token}`,
          'content-type': 'application/json',
          'content-encoding': 'gzip',
        },
        body,
        timeoutMs: (this.o.timeoutMs ?? 15_000) * (members > 1 ? CATCH_UP_TIMEOUT_FACTOR : 1),
      });
      const text = res.text;
      let answer: { ok?: unknown; error?: unknown } | undefined;
      try {
        answer = JSON.parse(text) as typeof answer;
      } catch {
        /* not JSON: keep the text */
      }
      if (res.status >= 200 && res.status < 300 && answer?.ok === true) {
        r = { ok: true };
      } else if (res.status >= 200 && res.status < 300) {
        // A 200 from something that is not Berth (a web page at --server): not delivered.
        r = {
          ok: false,
          retry: true,
          message: `HTTP ${res.status} but not a Berth server's answer: ${forLog(text.slice(0, 120), this.o.token)}`,
        };
      } else {
        const said = typeof answer?.error === 'string' ? answer.error : text.slice(0, 300);
        const where =
          res.status >= 300 && res.status < 400
            ? ` (redirected to ${res.location ?? 'nowhere said'}: point --server there)`
            : '';
        const message = forLog(`HTTP ${res.status}: ${said}${where}`, this.o.token);
        r = {
          ok: false,
          retry: !refusedForGood(res.status, said),
          message,
          status: res.status,
          mayBeStored: res.status === 502 || res.status === 504,
        };
      }
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      const why = err.name === 'TimeoutError' ? 'timed out' : (err.code ?? err.message);
      // Not EPIPE: the server closed the connection before it had the whole body.
      const mayBeStored = err.name === 'TimeoutError' || err.code === 'ECONNRESET';
      r = {
        ok: false,
        retry: true,
        message: forLog(`cannot reach ${this.o.server} (${why})`, this.o.token),
        mayBeStored,
      };
    }
    if (r.ok) {
      this.sent += members;
      if (this.failures > 0) this.o.log.info(`server answers again after ${this.failures} failed attempts`);
      this.failures = 0;
      this.retryAt = 0;
      clearTimeout(this.retryTimer);
      this.lastFailure = '';
      this.lastRetryMessage = '';
      if (this.o.verbose)
        this.o.log.info(
          `sent batch ${batchId} (${body.length} bytes${members > 1 ? `, ${members} spooled batches as one` : ''})`,
        );
    } else if (r.retry) {
      this.failures++;
      const base = (this.o.minBackoff ?? 1) * 2 ** Math.min(this.failures - 1, 10);
      const wait = Math.min(this.o.maxBackoff ?? 30, base) * (0.5 + Math.random() / 2);
      this.retryAt = performance.now() + wait * 1000;
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => void this.drain().catch(() => {}), wait * 1000 + 1);
      this.retryTimer.unref();
      // The first failures, then every 20th, and whenever the reason changes: an outage of a
      // day is a few dozen lines, not thousands.
      if (this.failures <= 3 || this.failures % 20 === 0 || r.message !== this.lastRetryMessage) {
        const kept = this.o.spool.count + this.unspooled.length;
        this.o.log.warn(
          `send failed: ${r.message}; ${plural(kept, 'batch', 'batches')} kept, next try in ${wait.toFixed(1)} s${this.failures > 3 ? ` (${this.failures} failed tries in a row)` : ''}`,
        );
      }
      this.lastRetryMessage = r.message;
    } else if (members > 1) {
      this.o.log.warn(
        `server refused a catch-up batch of ${members} spooled batches (${r.message}): sending them one at a time`,
      );
    } else {
      this.rejected++;
      // Each new reason, and a running count now and then for the same one.
      if (r.message !== this.lastFailure || this.rejected % 100 === 0) {
        this.o.log.error(
          `server refused batch ${batchId}: ${r.message} (dropped, not retried; ${this.rejected} dropped since start)`,
        );
      }
      this.lastFailure = r.message;
    }
    return r;
  }
}
