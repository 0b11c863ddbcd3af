// Delivery's I/O: snapshots wait in memory until the next flush, then become one gzip batch
// (protocol v2, columns) with its own id (so a resend after a timeout is absorbed by the
// server), put in the outbox (outbox.ts: the spool, or memory when it cannot be written) and
// sent from there. A kill at any moment loses no spooled batch, and order is kept. What to send
// next, what an answer means and when to try again is the delivery policy's (delivery-policy.ts);
// this loop only carries out its actions (read, merge, send, remove, wait, log) and hands it
// their results, on an injected clock and HTTP client.
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { PROTOCOL_VERSION } from '../protocol/constants.ts';
import type { Batch, ColumnBatch, Snapshot } from '../protocol/batch.ts';
import { snapshotsToColumns } from '../protocol/columns.ts';
import { systemClock, type Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/log.ts';
import type { Outbox, OutboxEntry } from './outbox.ts';
import { httpPost } from './http-post.ts';
import { mergeSpooled } from './catch-up.ts';
import { step } from './delivery-policy.ts';
import {
  initialState,
  type DeliveryAction,
  type DeliveryEvent,
  type DeliveryState,
  type PolicyConfig,
} from './delivery-types.ts';

export interface ShipperOptions {
  server: string;
  token: string;
  agent: Batch['agent'];
  outbox: Outbox;
  log: Logger;
  timeoutMs?: number;
  verbose?: boolean;
  /** Seconds; the backoff starts here and doubles up to maxBackoff. */
  minBackoff?: number;
  maxBackoff?: number;
  meta?: () => Batch['meta'];
  clock?: Clock;
  post?: typeof httpPost;
  /** Jitter of the backoff, in [0, 1). */
  random?: () => number;
  /** The wall clock (epoch ms) for each send's Date header. */
  wallNow?: () => number;
}

export class Shipper {
  private pending: Snapshot[] = [];
  private state: DeliveryState = initialState();
  private readonly policy: PolicyConfig;
  private readonly clock: Clock;
  /** What the last `read` gave, bodies included. */
  private run: OutboxEntry[] = [];
  /** The last catch-up batch made, kept while the policy may send it again. */
  private merged: { batchId: string; body: Buffer } | undefined;
  private draining: Promise<void> | null = null;
  private stopWaiting = (): void => {};

  constructor(private readonly o: ShipperOptions) {
    this.clock = o.clock ?? systemClock;
    this.policy = {
      server: o.server,
      token: o.token,
      timeoutMs: o.timeoutMs ?? 15_000,
      minBackoff: o.minBackoff ?? 1,
      maxBackoff: o.maxBackoff ?? 30,
      verbose: o.verbose ?? false,
    };
  }

  enqueue(s: Snapshot): void {
    this.pending.push(s);
  }

  get queued(): number {
    return this.pending.length;
  }

  /** Batches delivered (a catch-up batch counts its members). */
  get sent(): number {
    return this.state.sent;
  }

  /** Batches the server refused for good (dropped). */
  get rejected(): number {
    return this.state.rejected;
  }

  /** Batches held in memory because the spool could not be written. */
  get inMemory(): number {
    return this.o.outbox.inMemory;
  }

  /**
   * Writes what is pending to the spool as one batch (synchronously: once this returns, a
   * SIGKILL loses nothing), then sends waiting batches oldest first if the backoff allows.
   */
  flush(opts: { force?: boolean } = {}): Promise<void> {
    this.spoolPending();
    return this.drain(opts.force ?? false);
  }

  /** What is pending, as one batch, into the outbox now (synchronously), without sending. */
  spoolPending(): void {
    // What memory holds goes to the spool first, so the new batch lands behind it (not while a
    // drain may be sending it).
    if (!this.draining) this.o.outbox.respool();
    if (!this.pending.length) return;
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
    this.o.outbox.put(batch.batch_id, zlib.gzipSync(JSON.stringify(batch)));
  }

  /** Sends waiting batches, oldest first, until one fails or none is left; `force` ignores the backoff. */
  drain(force = false): Promise<void> {
    return this.start({ type: 'flush', now: this.clock.now(), force });
  }

  /** Resolves once no drain is running. */
  get idle(): Promise<void> {
    return this.draining ?? Promise.resolve();
  }

  private start(e: DeliveryEvent): Promise<void> {
    if (this.draining) return this.draining;
    const actions = this.step(e);
    if (!actions.length) return Promise.resolve();
    this.draining = this.perform(actions).finally(() => {
      this.draining = null;
    });
    return this.draining;
  }

  private step(e: DeliveryEvent): DeliveryAction[] {
    const next = step(this.policy, this.state, e);
    this.state = next.state;
    return next.actions;
  }

  /** Carries out actions in order; one that learns something (a read, a merge, a send) hands it to the policy, whose actions follow. */
  private async perform(actions: DeliveryAction[]): Promise<void> {
    try {
      for (let a = actions.shift(); a; a = actions.shift()) {
        const learned = await this.act(a);
        if (learned) actions.push(...this.step(learned));
      }
    } finally {
      this.run = [];
      if (!this.state.resend) this.merged = undefined;
      // Only a bug gets here with a drain still open; the next flush must not find it so.
      if (this.state.drain) this.state = { ...this.state, drain: undefined };
    }
  }

  private async act(a: DeliveryAction): Promise<DeliveryEvent | undefined> {
    switch (a.type) {
      case 'read': {
        this.run = this.o.outbox.oldest(a.max, a.maxBytes);
        return { type: 'oldest', run: this.run.map((b) => ({ key: b.key, batchId: b.batchId, bytes: b.body.length })) };
      }
      case 'merge': {
        const m = mergeSpooled(this.run, a.maxBytes);
        if (m) this.merged = { batchId: m.batchId, body: m.body };
        return { type: 'merged', count: m?.count ?? 0, batchId: m?.batchId ?? '', bytes: m?.body.length ?? 0 };
      }
      case 'send':
        return this.send(a);
      case 'remove':
        this.o.outbox.remove(a.keys);
        return undefined;
      case 'wait':
        this.stopWaiting();
        this.stopWaiting = this.clock.after(a.ms, () => {
          void this.start({ type: 'timer', now: this.clock.now() }).catch(() => {});
        });
        return undefined;
      case 'stop-waiting':
        this.stopWaiting();
        return undefined;
      case 'log':
        this.o.log[a.level](a.text);
        return undefined;
    }
  }

  private async send(a: Extract<DeliveryAction, { type: 'send' }>): Promise<DeliveryEvent> {
    const body = a.catchUp ? this.merged?.body : this.run.find((b) => b.key === a.keys[0])?.body;
    if (!body || (a.catchUp && this.merged?.batchId !== a.batchId)) throw new Error(`no body for batch ${a.batchId}`);
    try {
      const res = await (this.o.post ?? httpPost)(`${this.o.server}/api/v1/ingest`, {
        headers: {
          authorization: `Bearer ${this.o.token}`,
          'content-type': 'application/json',
          'content-encoding': 'gzip',
          // When it was sent by this host's clock: the server tells from it how far that clock
          // is off its own, even for a batch that waited in the spool (RFC 9110 §6.6.1).
          date: new Date((this.o.wallNow ?? Date.now)()).toUTCString(),
        },
        body,
        timeoutMs: a.timeoutMs,
      });
      return { type: 'answer', ...this.observed(), ...res };
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      return { type: 'no-answer', ...this.observed(), name: err.name, code: err.code, message: err.message };
    }
  }

  /** What the policy learns with an answer: the time, what waits, a jitter. */
  private observed() {
    return { now: this.clock.now(), waiting: this.o.outbox.count, jitter: (this.o.random ?? Math.random)() };
  }
}
