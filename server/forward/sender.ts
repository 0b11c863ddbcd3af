// The loop that empties one target's queue: the oldest records as one remote-write request
// (several records' WriteRequests joined: protobuf concatenates), the policy's decision on the
// answer (forward/policy.ts), and the wait it asks for. One request in flight per target, so
// each series reaches the receiver in time order. I/O comes in (post, sleep, clock), so tests
// drive it without a network or real timers.
import type { DiskQueue } from './queue.ts';
import { decide, initialState, type Answer } from './policy.ts';
import { compress, uncompress } from '../prometheus/remote-write.ts';
import { throttle } from '../../lib/log-throttle.ts';

export interface SenderDeps {
  queue: Pick<DiskQueue, 'peek' | 'ack'>;
  /** Sends one request body; resolves with the status (and Retry-After), rejects when nothing came back. */
  post(body: Buffer, signal: AbortSignal): Promise<{ status: number; retryAfter: string | null }>;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  random(): number;
  nowMs(): number;
  log(level: 'info' | 'warn' | 'error', message: string): void;
  /** Shown in log lines: the target without secrets. */
  target: string;
  /** Records and compressed bytes one request may hold. */
  maxRecords?: number;
  maxBytes?: number;
}

export const MAX_RECORDS = 500;
export const MAX_BYTES = 1024 * 1024;

export class Sender {
  sentSamples = 0;
  sentRequests = 0;
  failedRequests = 0;
  droppedRejected = 0;
  lastError: string | null = null;
  private stopped = false;
  private idle: (() => void) | undefined;
  private readonly abort = new AbortController();
  private readonly maxRecords: number;
  private readonly maxBytes: number;
  private readonly note = throttle();
  private done: Promise<void> | undefined;

  constructor(private readonly d: SenderDeps) {
    this.maxRecords = d.maxRecords ?? MAX_RECORDS;
    this.maxBytes = d.maxBytes ?? MAX_BYTES;
  }

  /** Something was queued: go on if waiting for it. */
  wake(): void {
    const w = this.idle;
    this.idle = undefined;
    w?.();
  }

  start(): Promise<void> {
    this.done ??= this.loop();
    return this.done;
  }

  /** Stops after the request in flight is abandoned; what it held stays queued for the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    this.wake();
    await this.done;
  }

  private async loop(): Promise<void> {
    let state = initialState(this.maxRecords);
    let failing = 0;
    while (!this.stopped) {
      const p = this.d.queue.peek(state.limit, this.maxBytes);
      if (!p) {
        await new Promise<void>((resolve) => (this.idle = resolve));
        continue;
      }
      const body = p.records === 1 ? p.payloads[0] : compress(Buffer.concat(p.payloads.map((x) => uncompress(x))));
      let answer: Answer;
      try {
        const r = await this.d.post(body, this.abort.signal);
        answer = { status: r.status, retryAfter: r.retryAfter };
      } catch (e) {
        if (this.stopped) return;
        const err = e as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
        answer = { error: err.cause?.code ?? err.code ?? err.name ?? 'request failed' };
      }
      const d = decide(state, answer, p.records, this.maxRecords, this.d.random(), this.d.nowMs());
      state = d.state;
      switch (d.action.kind) {
        case 'ack':
          this.d.queue.ack(p.upTo);
          this.sentSamples += p.samples;
          this.sentRequests++;
          if (failing)
            this.d.log('info', `remote-write ${this.d.target}: delivering again after ${failing} failed tries`);
          failing = 0;
          this.lastError = null;
          break;
        case 'split':
          break;
        case 'drop': {
          this.d.queue.ack(p.upTo);
          this.droppedRejected += p.samples;
          const why = 'status' in answer ? `HTTP ${answer.status}` : '';
          this.lastError = why;
          const t = this.note(`rejected ${why}`);
          if (t.write)
            this.d.log(
              'error',
              `remote-write ${this.d.target}: ${why}: the target refused ${p.samples} samples; given up${t.more}`,
            );
          break;
        }
        case 'retry': {
          this.failedRequests++;
          failing++;
          this.lastError = d.action.why;
          const t = this.note(`retry ${d.action.why}`);
          if (t.write)
            this.d.log(
              'warn',
              `remote-write ${this.d.target}: ${d.action.why}; ${p.samples} samples stay queued, next try in ${(d.action.delayMs / 1000).toFixed(1)} s${t.more}`,
            );
          try {
            await this.d.sleep(d.action.delayMs, this.abort.signal);
          } catch {
            // Stopped while waiting.
          }
          break;
        }
      }
    }
  }
}
