// The delivery policy's rules, one table row each: (state, event) → (state, actions). When a
// drain starts, what goes out for the oldest waiting batches, and a catch-up batch's fate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { step } from './delivery-policy.ts';
import type { DeliveryAction, DeliveryState } from './delivery-types.ts';
import {
  MB2,
  NOW,
  OK,
  READ,
  READ1,
  REFUSED_CONN,
  S,
  TIMEOUT,
  answer,
  cfg,
  check,
  error,
  info,
  merged3,
  noAnswer,
  one,
  run3,
  sendM3,
  sendOne,
  sending,
  w,
  warn,
} from '../test/support/delivery-rows.ts';

test('a drain starts on a flush or the retry timer, one at a time, never during the backoff unless forced', () => {
  const open = { replayed: 0, requests: 0, run: [] };
  check([
    ['flush, nothing pending', S(), { type: 'flush', now: NOW }, { state: { drain: open }, actions: [READ] }],
    ['flush while backing off', S({ retryAt: NOW + 1 }), { type: 'flush', now: NOW }, { actions: [] }],
    [
      'forced flush while backing off (the agent stops, --once)',
      S({ retryAt: NOW + 1 }),
      { type: 'flush', now: NOW, force: true },
      { state: { drain: open }, actions: [READ] },
    ],
    ['the timer, early', S({ retryAt: NOW + 1 }), { type: 'timer', now: NOW }, { actions: [] }],
    ['the timer, on time', S({ retryAt: NOW }), { type: 'timer', now: NOW }, { actions: [READ] }],
    ['a flush while a drain runs', sending(one(1)), { type: 'flush', now: NOW, force: true }, { actions: [] }],
    ['the timer while a drain runs', sending(one(1)), { type: 'timer', now: NOW }, { actions: [] }],
    [
      'after a catch-up refused as a whole: one at a time',
      S({ singlesLeft: 2 }),
      { type: 'flush', now: NOW },
      { actions: [READ1] },
    ],
    [
      'after a 413: smaller catch-up batches',
      S({ catchUpBytes: 5000 }),
      { type: 'flush', now: NOW },
      { actions: [{ type: 'read', max: 360, maxBytes: 5000 }] },
    ],
  ]);
});

test('what goes out for the oldest waiting batches', () => {
  const reading = (p: Partial<DeliveryState> = {}, replayed = 0, requests = 0) =>
    S({ ...p, drain: { replayed, requests, run: [] } });
  check([
    ['nothing waits', reading(), { type: 'oldest', run: [] }, { state: { drain: undefined }, actions: [] }],
    [
      'nothing more after one batch at its first try: not worth a line',
      reading({}, 1, 1),
      { type: 'oldest', run: [] },
      { state: { drain: undefined }, actions: [] },
    ],
    [
      'nothing more after a backlog',
      reading({}, 5, 2),
      { type: 'oldest', run: [] },
      { state: { drain: undefined }, actions: [info('replayed 5 spooled batches in 2 requests; 0 left')] },
    ],
    [
      'nothing more after a backlog sent one at a time',
      reading({}, 2, 2),
      { type: 'oldest', run: [] },
      { actions: [info('replayed 2 spooled batches; 0 left')] },
    ],
    ['one waits: it goes alone', reading(), { type: 'oldest', run: [w(1)] }, { actions: [sendOne(1)] }],
    [
      'several wait, the server answers: merged',
      reading(),
      { type: 'oldest', run: run3 },
      { actions: [{ type: 'merge', maxBytes: MB2 }] },
    ],
    [
      'several wait, the server is failing: the oldest alone tries it',
      reading({ failures: 2 }),
      { type: 'oldest', run: run3 },
      { actions: [sendOne(1)] },
    ],
    [
      'the catch-up batch whose answer was lost, its members still the oldest: again, same id',
      reading({ resend: merged3(), failures: 1 }),
      { type: 'oldest', run: [...run3, w(4)] },
      { state: { resend: merged3() }, actions: [sendM3] },
    ],
    [
      'the lost one, its members no longer the oldest: forgotten, a new merge',
      reading({ resend: merged3() }),
      { type: 'oldest', run: [w(2), w(3), w(4)] },
      { state: { resend: undefined }, actions: [{ type: 'merge', maxBytes: MB2 }] },
    ],
    [
      'the lost one, an older batch before its members: forgotten',
      reading({ resend: merged3() }),
      { type: 'oldest', run: [w(0), ...run3] },
      { state: { resend: undefined }, actions: [{ type: 'merge', maxBytes: MB2 }] },
    ],
    [
      'the lost one, while a single batch is read: kept for later',
      reading({ resend: merged3(), singlesLeft: 1 }),
      { type: 'oldest', run: [w(9)] },
      { state: { resend: merged3() }, actions: [sendOne(9)] },
    ],
  ]);
});

test('a merge: the catch-up batch goes with four times the timeout; nothing merged, the oldest alone', () => {
  const merging = S({ drain: { replayed: 0, requests: 0, run: run3 } });
  check([
    [
      'three merged',
      merging,
      { type: 'merged', count: 3, batchId: 'm3', bytes: 250 },
      { state: { drain: { replayed: 0, requests: 0, run: run3, attempt: merged3() } }, actions: [sendM3] },
    ],
    [
      'two of three merged (the third from another run of the agent)',
      merging,
      { type: 'merged', count: 2, batchId: 'm2', bytes: 180 },
      { actions: [{ type: 'send', keys: ['f1', 'f2'], batchId: 'm2', catchUp: true, timeoutMs: 4000 }] },
    ],
    [
      'nothing merges (a damaged file first)',
      merging,
      { type: 'merged', count: 0, batchId: '', bytes: 0 },
      { actions: [sendOne(1)] },
    ],
  ]);
});

test("a catch-up batch's answer: lost once, sent again as it was; lost twice, or refused, its members go one at a time", () => {
  const wait501: DeliveryAction = { type: 'wait', ms: 501 };
  check([
    [
      'delivered: its members removed and counted, one request',
      sending(merged3(), {}, 2, 1),
      OK,
      {
        state: { sent: 3, resend: undefined, drain: { replayed: 5, requests: 2, run: run3, attempt: undefined } },
        actions: [{ type: 'stop-waiting' }, { type: 'remove', keys: ['f1', 'f2', 'f3'] }, READ],
      },
    ],
    [
      'delivered, --verbose',
      sending(merged3()),
      OK,
      {
        actions: [
          info('sent batch m3 (250 bytes, 3 spooled batches as one)'),
          { type: 'stop-waiting' },
          { type: 'remove', keys: ['f1', 'f2', 'f3'] },
          READ,
        ],
      },
      { verbose: true },
    ],
    [
      'timed out (the server may have stored it): kept to go again, same id',
      sending(merged3()),
      TIMEOUT,
      {
        state: { resend: merged3(), catchUpBytes: MB2, failures: 1, drain: undefined },
        actions: [
          wait501,
          warn('send failed: cannot reach http://berth:8080 (timed out); 3 batches kept, next try in 0.5 s'),
        ],
      },
    ],
    [
      'connection reset: the same',
      sending(merged3()),
      noAnswer({ code: 'ECONNRESET' }),
      {
        state: { resend: merged3() },
        actions: [
          wait501,
          warn('send failed: cannot reach http://berth:8080 (ECONNRESET); 3 batches kept, next try in 0.5 s'),
        ],
      },
    ],
    [
      "a gateway's 504: the same",
      sending(merged3()),
      answer(504, 'gateway timeout'),
      {
        state: { resend: merged3() },
        actions: [wait501, warn('send failed: HTTP 504: gateway timeout; 3 batches kept, next try in 0.5 s')],
      },
    ],
    [
      '503 (not stored): no resend; the oldest alone tries next',
      sending(merged3()),
      answer(503, '{"error":"busy"}'),
      {
        state: { resend: undefined, catchUpBytes: MB2, failures: 1 },
        actions: [wait501, warn('send failed: HTTP 503: busy; 3 batches kept, next try in 0.5 s')],
      },
    ],
    [
      'connection refused (never arrived): no resend',
      sending(merged3()),
      REFUSED_CONN,
      {
        state: { resend: undefined, catchUpBytes: MB2 },
        actions: [
          wait501,
          warn('send failed: cannot reach http://berth:8080 (ECONNREFUSED); 3 batches kept, next try in 0.5 s'),
        ],
      },
    ],
    [
      'lost again when sent again: no third time, later ones half its members bytes',
      sending(merged3(true), {
        resend: merged3(),
        failures: 1,
        lastRetryMessage: 'cannot reach http://berth:8080 (timed out)',
      }),
      TIMEOUT,
      {
        state: { resend: undefined, catchUpBytes: 150, failures: 2 },
        actions: [
          { type: 'wait', ms: 1001 },
          warn('send failed: cannot reach http://berth:8080 (timed out); 3 batches kept, next try in 1.0 s'),
        ],
      },
    ],
    [
      'refused as a whole (one bad member): its members one at a time, none dropped yet',
      sending(merged3()),
      answer(400, '{"error":"host.ts.3: bad"}'),
      {
        state: { singlesLeft: 3, rejected: 0, resend: undefined, catchUpBytes: MB2, failures: 0 },
        actions: [
          warn(
            'server refused a catch-up batch of 3 spooled batches (HTTP 400: host.ts.3: bad): sending them one at a time',
          ),
          READ1,
        ],
      },
    ],
    [
      'too large for the server (413): one at a time, and later ones half its members bytes',
      sending(merged3()),
      answer(413, '{"error":"body larger than 2048 bytes"}'),
      {
        state: { singlesLeft: 3, rejected: 0, catchUpBytes: 150 },
        actions: [
          warn(
            'server refused a catch-up batch of 3 spooled batches (HTTP 413: body larger than 2048 bytes): sending them one at a time',
          ),
          { type: 'read', max: 1, maxBytes: 150 },
        ],
      },
    ],
  ]);
});

test('results with no drain waiting for them change nothing', () => {
  const s = S({ failures: 2 });
  for (const e of [
    OK,
    TIMEOUT,
    { type: 'oldest', run: run3 },
    { type: 'merged', count: 3, batchId: 'm3', bytes: 1 },
  ] as const) {
    const got = step(cfg, s, e);
    assert.deepEqual(got, { state: s, actions: [] }, e.type);
  }
});
