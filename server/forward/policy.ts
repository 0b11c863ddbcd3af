// When to send again, and what to do with a remote-write target's answer: a pure policy
// (state, answer) → (state, action), tested by tables; forward/sender.ts is the loop around it.
//  - 2xx: the records are taken; the next request may hold twice as many again.
//  - 400, 409, 413, 422 (the request itself is refused: too large, a sample the receiver will
//    not take): several records are split in half and sent again at once; one alone is given
//    up, counted as rejected (sending it again would be refused again).
//  - anything else (no connection, a timeout, 5xx, 429, and 401/403/404, which a fixed
//    setting cures): the same again after an exponential backoff with jitter, as long as it
//    takes; the queue's bound, not the policy, decides what is lost in a long outage.

export interface Backoff {
  /** The first delay, ms. */
  minMs: number;
  /** The longest delay, ms. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { minMs: 500, maxMs: 30_000 };
/** Longest Retry-After honoured, ms (a receiver may ask for hours). */
const MAX_RETRY_AFTER_MS = 300_000;

export interface DeliveryState {
  /** Failures in a row. */
  failures: number;
  /** Records one request may hold. */
  limit: number;
}

export type Answer = { status: number; retryAfter?: string | null } | { error: string };

export type Action =
  { kind: 'ack' } | { kind: 'drop' } | { kind: 'split' } | { kind: 'retry'; delayMs: number; why: string };

export const initialState = (maxRecords: number): DeliveryState => ({ failures: 0, limit: maxRecords });

/** Exponential from minMs, capped at maxMs; half of it fixed, half random (so delays never line up nor reach 0). */
export function backoffMs(failures: number, random: number, b: Backoff = DEFAULT_BACKOFF): number {
  const full = Math.min(b.maxMs, b.minMs * 2 ** Math.max(0, failures - 1));
  return Math.round(full / 2 + (random * full) / 2);
}

/** Retry-After as delay-seconds or an HTTP date (RFC 9110 §10.2.3), in ms from `nowMs`; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null | undefined, nowMs: number): number | undefined {
  if (!header) return undefined;
  const v = header.trim();
  if (/^\d+$/.test(v)) return Math.min(MAX_RETRY_AFTER_MS, Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.min(MAX_RETRY_AFTER_MS, Math.max(0, at - nowMs)) : undefined;
}

const REFUSED = new Set([400, 409, 413, 422]);

export function decide(
  state: DeliveryState,
  answer: Answer,
  records: number,
  maxRecords: number,
  random: number,
  nowMs: number,
  b: Backoff = DEFAULT_BACKOFF,
): { state: DeliveryState; action: Action } {
  if ('status' in answer && answer.status >= 200 && answer.status < 300)
    return { state: { failures: 0, limit: Math.min(maxRecords, state.limit * 2) }, action: { kind: 'ack' } };
  if ('status' in answer && REFUSED.has(answer.status)) {
    if (records > 1)
      return { state: { ...state, limit: Math.max(1, Math.floor(records / 2)) }, action: { kind: 'split' } };
    return { state, action: { kind: 'drop' } };
  }
  const failures = state.failures + 1;
  const computed = backoffMs(failures, random, b);
  const asked = 'status' in answer && answer.status === 429 ? retryAfterMs(answer.retryAfter, nowMs) : undefined;
  const why = 'status' in answer ? `HTTP ${answer.status}` : answer.error;
  return { state: { ...state, failures }, action: { kind: 'retry', delayMs: Math.max(computed, asked ?? 0), why } };
}
