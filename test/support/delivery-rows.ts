// Rows for the delivery policy's tables (agent/delivery-*.test.ts): a configuration, states,
// events and actions spelled the same way in every table, and the check that runs them.
import assert from 'node:assert/strict';
import { step } from '../../agent/delivery-policy.ts';
import {
  initialState,
  type Attempt,
  type DeliveryAction,
  type DeliveryEvent,
  type DeliveryState,
  type PolicyConfig,
  type Waiting,
} from '../../agent/delivery-types.ts';

export const cfg: PolicyConfig = {
  server: 'http://berth:8080',
  token: 'secret-token',
  timeoutMs: 1000,
  minBackoff: 1,
  maxBackoff: 30,
  verbose: false,
};
export const MB2 = 2 * 1024 * 1024;

export const S = (p: Partial<DeliveryState> = {}): DeliveryState => ({ ...initialState(), ...p });
export const w = (i: number, bytes = 100): Waiting => ({ key: `f${i}`, batchId: `b${i}`, bytes });
export const run3 = [w(1), w(2), w(3)];
export const one = (i: number, bytes = 100): Attempt => ({
  keys: [`f${i}`],
  batchId: `b${i}`,
  bytes,
  memberBytes: bytes,
  catchUp: false,
  again: false,
});
/** A catch-up batch of f1..f3 (300 bytes of members) as `m3`. */
export const merged3 = (again = false): Attempt => ({
  keys: ['f1', 'f2', 'f3'],
  batchId: 'm3',
  bytes: 250,
  memberBytes: 300,
  catchUp: true,
  again,
});
/** A drain under way: `attempt` awaits its answer. */
export const sending = (attempt: Attempt, p: Partial<DeliveryState> = {}, replayed = 0, requests = 0): DeliveryState =>
  S({ ...p, drain: { replayed, requests, run: run3, attempt } });

export const NOW = 50_000;
export const answer = (status: number, text: string, p: Partial<Extract<DeliveryEvent, { type: 'answer' }>> = {}) =>
  ({ type: 'answer', now: NOW, waiting: 3, jitter: 0, status, text, ...p }) as const;
export const OK = answer(200, '{"ok":true}');
export const noAnswer = (p: { name?: string; code?: string; message?: string }) =>
  ({ type: 'no-answer', now: NOW, waiting: 3, jitter: 0, message: 'socket error', ...p }) as const;
export const TIMEOUT = noAnswer({ name: 'TimeoutError', message: 'no complete answer within 1000 ms' });
export const REFUSED_CONN = noAnswer({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' });

export const READ: DeliveryAction = { type: 'read', max: 360, maxBytes: MB2 };
export const READ1: DeliveryAction = { type: 'read', max: 1, maxBytes: MB2 };
export const warn = (text: string): DeliveryAction => ({ type: 'log', level: 'warn', text });
export const info = (text: string): DeliveryAction => ({ type: 'log', level: 'info', text });
export const error = (text: string): DeliveryAction => ({ type: 'log', level: 'error', text });
export const sendOne = (i: number): DeliveryAction => ({
  type: 'send',
  keys: [`f${i}`],
  batchId: `b${i}`,
  catchUp: false,
  timeoutMs: 1000,
});
export const sendM3: DeliveryAction = {
  type: 'send',
  keys: ['f1', 'f2', 'f3'],
  batchId: 'm3',
  catchUp: true,
  timeoutMs: 4000,
};

export type Row = [
  name: string,
  state: DeliveryState,
  event: DeliveryEvent,
  expected: { state?: Partial<DeliveryState>; actions: DeliveryAction[] },
  config?: Partial<PolicyConfig>,
];

export function check(rows: Row[]) {
  for (const [name, state, event, expected, config] of rows) {
    const got = step({ ...cfg, ...config }, state, event);
    assert.deepEqual(got.actions, expected.actions, name);
    for (const [k, v] of Object.entries(expected.state ?? {}))
      assert.deepEqual(got.state[k as keyof DeliveryState], v, `${name}: ${k}`);
  }
}
