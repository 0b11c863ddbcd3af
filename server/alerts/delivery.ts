// Sends what the evaluator recorded (alert_deliveries rows), each receiver's in order and one at
// a time, never in the way of evaluation or ingest. A failed try waits 5 s, 10 s, 20 s … up to
// 5 min and tries again, for a day; the row keeps why (never the URL: it may hold a token), for
// the page and the log. A restart picks up where the rows say.
// What went out is never sent again by this process, even when writing down that it went out
// failed (the write is tried again instead); an e-mail sent again after an answer that never
// came keeps its Message-ID, so the mailbox shows it once.
import { createHash } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { AlertPayload } from '../../protocol/alerts.ts';
import type { Logger } from '../../lib/log.ts';
import { every, type Clock } from '../../lib/clock.ts';
import { throttle } from '../../lib/log-throttle.ts';
import type { Receiver } from './rule-file.ts';
import type { AlertStore } from './store.ts';
import { email, httpRequest } from './formats.ts';
import type { SmtpConfig } from './smtp-url.ts';

export const RETRY_FIRST_S = 5;
export const RETRY_MAX_S = 300;
export const GIVE_UP_S = 86_400;
const SEND_TIMEOUT_MS = 10_000;

export function retryDelay(attempts: number): number {
  return Math.min(RETRY_MAX_S, RETRY_FIRST_S * 2 ** Math.max(0, attempts - 1));
}

export type Send = (r: Receiver, p: AlertPayload) => Promise<void>;

/** The same alert transition to the same address has the same Message-ID, however often it is tried. */
export function messageId(p: AlertPayload, to: string, from: string): string {
  const domain = /@([^@\s>]+)>?$/.exec(from)?.[1] ?? 'berth.invalid';
  const h = createHash('sha256').update(JSON.stringify([p.status, p.rule, p.host, p.container, p.started_at, to]));
  return `<alert-${h.digest('hex').slice(0, 32)}@${domain}>`;
}

/** What went wrong, in words that hold no URL, address or password. */
export function safeError(e: unknown): string {
  if (e instanceof DeliveryError) return e.message;
  const err = e as { name?: string; code?: string; cause?: { code?: string; message?: string }; responseCode?: number };
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') return 'timed out';
  const code = err?.cause?.code ?? err?.code;
  if (err?.responseCode) return `SMTP ${err.responseCode}`;
  return code ? `cannot connect (${code})` : 'failed';
}

export class DeliveryError extends Error {}

export function sender(smtp: SmtpConfig | undefined): Send {
  const mailer =
    smtp && nodemailer.createTransport({ host: smtp.host, port: smtp.port, secure: smtp.secure, auth: smtp.auth });
  return async (r, p) => {
    if (r.kind === 'email') {
      if (!mailer || !smtp) throw new DeliveryError('no --smtp server');
      const m = email(p);
      await mailer.sendMail({
        from: smtp.from,
        to: r.target,
        subject: m.subject,
        text: m.text,
        messageId: messageId(p, r.target, smtp.from),
      });
      return;
    }
    const req = httpRequest(r.kind, p);
    const res = await fetch(r.target, {
      method: 'POST',
      headers: req.headers,
      body: req.body,
      redirect: 'error',
      signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
    });
    await res.arrayBuffer().catch(() => undefined);
    if (!res.ok) throw new DeliveryError(`HTTP ${res.status}`);
  };
}

export interface DeliveryDeps {
  store: AlertStore;
  receivers: () => Map<string, Receiver>;
  send: Send;
  /** Epoch seconds. */
  now: () => number;
  clock: Clock;
  log: Logger;
}

export class Delivery {
  private busy = new Set<string>();
  private inFlight = new Set<Promise<void>>();
  private stop: (() => void) | undefined;
  private trouble = throttle();
  private closed = false;
  /** Rows sent whose `delivered` could not be written yet (delivery id → when): never sent again. */
  private unrecorded = new Map<number, number>();

  constructor(private deps: DeliveryDeps) {}

  start(everyMs = 1000): void {
    this.stop = every(this.deps.clock, everyMs, () => this.tick());
    this.tick();
  }

  /** Sends what is due now: at most one try per receiver at a time, in the order recorded. */
  tick(): void {
    if (this.closed) return;
    const now = this.deps.now();
    const receivers = this.deps.receivers();
    for (const [id, at] of this.unrecorded) {
      try {
        this.deps.store.delivered(id, at);
        this.unrecorded.delete(id);
      } catch {
        break;
      }
    }
    for (const row of this.deps.store.due(now, 200)) {
      if (this.busy.has(row.receiver) || this.unrecorded.has(row.id)) continue;
      const r = receivers.get(row.receiver);
      if (!r) {
        this.deps.store.giveUp(row.id, now, 'the receiver is no longer in the rules file');
        continue;
      }
      this.busy.add(row.receiver);
      const p = JSON.parse(row.payload) as AlertPayload;
      const job = this.deps
        .send(r, p)
        .then(
          () => {
            const at = this.deps.now();
            try {
              this.deps.store.delivered(row.id, at);
            } catch (e) {
              this.unrecorded.set(row.id, at);
              throw e;
            }
          },
          (e: unknown) => {
            const at = this.deps.now();
            const why = safeError(e);
            const attempts = row.attempts + 1;
            const t = this.trouble(`${r.name}`);
            if (at - row.created_at >= GIVE_UP_S) {
              this.deps.store.giveUp(row.id, at, why);
              this.deps.log.error(
                `alert "${p.rule}" could not be sent to "${r.name}" (${r.kind}) for a day: ${why}; given up`,
              );
              return;
            }
            const wait = retryDelay(attempts);
            this.deps.store.retry(row.id, at + wait, why);
            if (t.write)
              this.deps.log.warn(
                `alert "${p.rule}" to "${r.name}" (${r.kind}): ${why} (try ${attempts}); again in ${wait} s${t.more}`,
              );
          },
        )
        .catch((e: Error) => this.deps.log.error(`alert delivery bookkeeping: ${e.message}`))
        .finally(() => {
          this.busy.delete(row.receiver);
          this.inFlight.delete(job);
          // The receiver's next one goes at once: a backlog drains without waiting for the timer.
          if (!this.closed) this.tick();
        });
      this.inFlight.add(job);
    }
  }

  /** Resolves once every try under way has ended (tests, shutdown). */
  async settle(): Promise<void> {
    while (this.inFlight.size) await Promise.all([...this.inFlight]);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stop?.();
    await this.settle();
  }
}
