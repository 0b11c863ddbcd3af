// The delivery policy's vocabulary (delivery-policy.ts): its configuration, its state, the
// events the loop (shipper.ts) hands it and the actions it asks the loop to carry out. Plain
// data: a batch is a key, an id and a size, never its content.
import { CATCH_UP_MAX_BYTES } from './catch-up.ts';
import type { Answer, NoAnswer } from './server-answer.ts';

export interface PolicyConfig {
  server: string;
  token: string;
  /** One batch's send timeout, ms; a catch-up batch gets CATCH_UP_TIMEOUT_FACTOR times it. */
  timeoutMs: number;
  /** Seconds; the backoff starts here and doubles up to maxBackoff. */
  minBackoff: number;
  maxBackoff: number;
  /** A line for every batch sent. */
  verbose: boolean;
}

/** A batch waiting in the outbox, as the policy sees it. */
export interface Waiting {
  key: string;
  batchId: string;
  bytes: number;
}

/** What one send stands for: one waiting batch, or a catch-up batch of `keys.length` of them. */
export interface Attempt {
  keys: string[];
  batchId: string;
  bytes: number;
  /** The members' own bytes (a catch-up batch's), halved for later ones when it proves too big. */
  memberBytes: number;
  catchUp: boolean;
  /** A catch-up batch sent again after its answer was lost. */
  again: boolean;
}

export interface DeliveryState {
  /** Tries in a row that failed (no answer, or one that keeps the batch). */
  failures: number;
  /** No try before this (monotonic ms) unless forced. */
  retryAt: number;
  lastRetryMessage: string;
  lastRefusal: string;
  sent: number;
  rejected: number;
  /** After the server refused a catch-up batch as a whole: how many of the oldest go out one at a time. */
  singlesLeft: number;
  /** A catch-up batch whose answer was lost: sent again as it was while its members are the oldest. */
  resend?: Attempt;
  /** Catch-up batches' members at most, in bytes. */
  catchUpBytes: number;
  /** Set while a drain runs: what it delivered, the run it read, the send awaiting its answer. */
  drain?: { replayed: number; requests: number; run: readonly Waiting[]; attempt?: Attempt };
}

export type DeliveryEvent =
  /** A batch was spooled (or the agent stops, `force`): send what waits unless backing off. */
  | { type: 'flush'; now: number; force?: boolean }
  /** The backoff is over. */
  | { type: 'timer'; now: number }
  /** The outbox's oldest batches, as the last `read` asked. */
  | { type: 'oldest'; run: readonly Waiting[] }
  /** The first `count` of the run merged into one batch (`count` 0: they do not merge). */
  | { type: 'merged'; count: number; batchId: string; bytes: number }
  /** `waiting`: batches in the outbox now; `jitter`: a random number in [0, 1). */
  | ({ type: 'answer'; now: number; waiting: number; jitter: number } & Answer)
  | ({ type: 'no-answer'; now: number; waiting: number; jitter: number } & NoAnswer);

export type DeliveryAction =
  /** Read the outbox's oldest batches: `max` of them, within `maxBytes` (the first whatever its size). */
  | { type: 'read'; max: number; maxBytes: number }
  /** Merge the run just read, its members within `maxBytes`. */
  | { type: 'merge'; maxBytes: number }
  /** Send the batch `batchId`: the merged one when `catchUp`, else the waiting one with key `keys[0]`. */
  | { type: 'send'; keys: string[]; batchId: string; catchUp: boolean; timeoutMs: number }
  | { type: 'remove'; keys: string[] }
  /** (Re)arm the retry timer: a `timer` event in `ms`. */
  | { type: 'wait'; ms: number }
  | { type: 'stop-waiting' }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; text: string };

export interface Step {
  state: DeliveryState;
  actions: DeliveryAction[];
}

export const initialState = (): DeliveryState => ({
  failures: 0,
  retryAt: 0,
  lastRetryMessage: '',
  lastRefusal: '',
  sent: 0,
  rejected: 0,
  singlesLeft: 0,
  catchUpBytes: CATCH_UP_MAX_BYTES,
});
