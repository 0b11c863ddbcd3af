// Simulated agents for fault tests (server SIGKILLed under load, the soak): each host makes a
// batch per tick and keeps it until the server answers 2xx, sending its oldest first, one
// request at a time, backing off on failure, as the real agent's spool and delivery policy do.
// Every 2xx is recorded (batch id, rows the server said it inserted, duplicate or not), so a
// test can check that every acknowledged batch is stored and nothing is stored twice.
import zlib from 'node:zlib';
import type { ColumnBatch } from '../../protocol/batch.ts';
import { batchRows } from '../../protocol/columns.ts';
import { TEST_TOKEN } from './server.ts';
import { postTick, type TickAnswer } from '../../bench/lib/post-tick.ts';

/** Makes host `seed`'s batch for one tick. */
export type TickMaker = (host: string, seed: number, ts: number, batchId: string) => ColumnBatch;

export interface Ack {
  host: string;
  rows: number;
  duplicate: boolean;
}

export interface FleetStats {
  /** Batches made, and rows in them. */
  made: number;
  madeRows: number;
  /** Requests, by outcome ('200', '503', 'ECONNREFUSED', 'timeout'…). */
  outcomes: Record<string, number>;
}

interface Pending {
  id: string;
  body: Buffer;
  rows: number;
}

class SimHost {
  readonly outbox: Pending[] = [];
  private sending = false;
  constructor(
    readonly name: string,
    readonly seed: number,
    private readonly fleet: SimFleet,
  ) {}

  add(p: Pending): void {
    this.outbox.push(p);
    void this.pump();
  }

  async pump(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    let backoff = 200;
    while (this.outbox.length > 0 && !this.fleet.stopped) {
      const p = this.outbox[0];
      const a = await this.fleet.post(p.body);
      this.fleet.stats.outcomes[a.key] = (this.fleet.stats.outcomes[a.key] ?? 0) + 1;
      if (a.status === 200) {
        // A resend whose first copy was stored is absorbed: 200, duplicate, no rows.
        const prior = this.fleet.acks.get(p.id);
        if (!prior || prior.duplicate)
          this.fleet.acks.set(p.id, { host: this.name, rows: a.rows, duplicate: a.duplicate });
        this.fleet.answeredRows += a.rows;
        this.outbox.shift();
        backoff = 200;
      } else {
        await new Promise((r) => setTimeout(r, backoff * (0.5 + Math.random())));
        backoff = Math.min(backoff * 2, 2000);
      }
    }
    this.sending = false;
  }
}

export class SimFleet {
  readonly hosts: SimHost[];
  /** Every batch answered 2xx, by id. */
  readonly acks = new Map<string, Ack>();
  /** Rows the server said it inserted, over every 2xx (a duplicate says 0). */
  answeredRows = 0;
  readonly stats: FleetStats = { made: 0, madeRows: 0, outcomes: {} };
  stopped = false;
  private tickNo = 0;

  constructor(
    private url: string,
    hosts: number,
    private readonly make: TickMaker,
    private readonly opts: { runId: string; timeoutMs?: number; namePrefix?: string } = { runId: 'sim' },
  ) {
    this.hosts = Array.from(
      { length: hosts },
      (_, i) => new SimHost(`${opts.namePrefix ?? 'sim'}-${String(i).padStart(4, '0')}`, i, this),
    );
  }

  /** Points the fleet at another URL (a proxy, a restarted server on another port). */
  retarget(url: string): void {
    this.url = url;
  }

  /** Every host makes its batch for `ts` and queues it. */
  tick(ts: number): void {
    const k = this.tickNo++;
    for (const h of this.hosts) {
      const batch = this.make(h.name, h.seed, ts, `${this.opts.runId}-${h.seed}-${k}`);
      const rows = batchRows(batch);
      this.stats.made++;
      this.stats.madeRows += rows;
      h.add({ id: batch.batch_id, body: zlib.gzipSync(JSON.stringify(batch)), rows });
    }
  }

  /** Batches not acknowledged yet. */
  get waiting(): number {
    return this.hosts.reduce((n, h) => n + h.outbox.length, 0);
  }

  /** Resolves once every host's outbox is empty, or rejects after `timeoutMs`. */
  async drained(timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.waiting > 0) {
      if (Date.now() > until) throw new Error(`${this.waiting} batches still not acknowledged after ${timeoutMs} ms`);
      for (const h of this.hosts) void h.pump();
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  stop(): void {
    this.stopped = true;
  }

  /** One POST on a new connection (as the agent sends); never rejects. */
  post(body: Buffer): Promise<TickAnswer> {
    return postTick(this.url, TEST_TOKEN, body, {
      timeoutMs: this.opts.timeoutMs ?? 10_000,
      headers: { date: new Date().toUTCString() },
    });
  }
}
