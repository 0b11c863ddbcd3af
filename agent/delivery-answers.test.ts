// The delivery policy's rules for the server's answer to one batch, one table row each:
// delivered, dropped for good, or kept and tried again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { step } from './delivery-policy.ts';
import type { DeliveryAction } from './delivery-types.ts';
import {
  NOW,
  OK,
  READ,
  READ1,
  REFUSED_CONN,
  TIMEOUT,
  answer,
  cfg,
  check,
  error,
  info,
  merged3,
  one,
  run3,
  sending,
  warn,
} from '../test/support/delivery-rows.ts';

test("the server's answer to one batch: delivered, dropped for good, or kept and tried again", () => {
  const wait = (ms: number): DeliveryAction => ({ type: 'wait', ms });
  check([
    [
      'delivered',
      sending(one(1)),
      OK,
      {
        state: { sent: 1, failures: 0, drain: { replayed: 1, requests: 1, run: run3, attempt: undefined } },
        actions: [{ type: 'stop-waiting' }, { type: 'remove', keys: ['f1'] }, READ],
      },
    ],
    [
      'delivered after failures',
      sending(one(1), { failures: 4, retryAt: NOW + 9, lastRetryMessage: 'x', lastRefusal: 'HTTP 400: bad' }),
      OK,
      {
        state: { failures: 0, retryAt: 0, lastRetryMessage: '', lastRefusal: '' },
        actions: [
          info('server answers again after 4 failed attempts'),
          { type: 'stop-waiting' },
          { type: 'remove', keys: ['f1'] },
          READ,
        ],
      },
    ],
    [
      'delivered after one failure',
      sending(one(1), { failures: 1 }),
      OK,
      {
        actions: [
          info('server answers again after 1 failed attempts'),
          { type: 'stop-waiting' },
          { type: 'remove', keys: ['f1'] },
          READ,
        ],
      },
    ],
    [
      'delivered, --verbose',
      sending(one(1, 321)),
      OK,
      {
        actions: [info('sent batch b1 (321 bytes)'), { type: 'stop-waiting' }, { type: 'remove', keys: ['f1'] }, READ],
      },
      { verbose: true },
    ],
    [
      'delivered alone while a lost catch-up batch waits to go again: it still waits',
      sending(one(9), { resend: merged3() }),
      OK,
      { state: { resend: merged3() }, actions: [{ type: 'stop-waiting' }, { type: 'remove', keys: ['f9'] }, READ] },
    ],
    [
      'delivered, one of the singles after a refused catch-up',
      sending(one(1), { singlesLeft: 3 }),
      OK,
      { state: { singlesLeft: 2 }, actions: [{ type: 'stop-waiting' }, { type: 'remove', keys: ['f1'] }, READ1] },
    ],
    [
      '503: kept, backoff',
      sending(one(1)),
      answer(503, '{"error":"busy"}'),
      {
        state: { failures: 1, retryAt: NOW + 500, drain: undefined },
        actions: [wait(501), warn('send failed: HTTP 503: busy; 3 batches kept, next try in 0.5 s')],
      },
    ],
    [
      'a 200 that is not Berth (a web page at --server): kept',
      sending(one(1)),
      answer(200, '<!doctype html><title>Welcome to nginx!</title>'),
      {
        actions: [
          wait(501),
          warn(
            "send failed: HTTP 200 but not a Berth server's answer: <!doctype html><title>Welcome to nginx!</title>; 3 batches kept, next try in 0.5 s",
          ),
        ],
      },
    ],
    [
      '400 about the batch: dropped, counted',
      sending(one(1)),
      answer(400, '{"error":"snapshots.0.ts: more than a day in the future"}'),
      {
        state: { rejected: 1, failures: 0, retryAt: 0 },
        actions: [
          error(
            'server refused batch b1: HTTP 400: snapshots.0.ts: more than a day in the future (dropped, not retried; 1 dropped since start)',
          ),
          { type: 'remove', keys: ['f1'] },
          READ,
        ],
      },
    ],
    [
      'the same refusal again: dropped without a line',
      sending(one(2), { rejected: 1, lastRefusal: 'HTTP 400: bad' }),
      answer(400, '{"error":"bad"}'),
      { state: { rejected: 2 }, actions: [{ type: 'remove', keys: ['f2'] }, READ] },
    ],
    [
      'the same refusal, the 10th: still no line',
      sending(one(2), { rejected: 9, lastRefusal: 'HTTP 400: bad' }),
      answer(400, '{"error":"bad"}'),
      { state: { rejected: 10 }, actions: [{ type: 'remove', keys: ['f2'] }, READ] },
    ],
    [
      'the same refusal, the 100th: a line with the count',
      sending(one(2), { rejected: 99, lastRefusal: 'HTTP 400: bad' }),
      answer(400, '{"error":"bad"}'),
      {
        actions: [
          error('server refused batch b2: HTTP 400: bad (dropped, not retried; 100 dropped since start)'),
          { type: 'remove', keys: ['f2'] },
          READ,
        ],
      },
    ],
    [
      'a protocol version the server does not know yet (400 "v: …"): kept',
      sending(one(1)),
      answer(400, '{"error":"v: protocol version 3 is not one this server takes (1 or 2)"}'),
      {
        state: { rejected: 0, failures: 1 },
        actions: [
          wait(501),
          warn(
            'send failed: HTTP 400: v: protocol version 3 is not one this server takes (1 or 2); 3 batches kept, next try in 0.5 s',
          ),
        ],
      },
    ],
    [
      'a redirect: kept, and where to point --server',
      sending(one(1)),
      answer(301, '', { location: 'https://berth.example/api/v1/ingest' }),
      {
        actions: [
          wait(501),
          warn(
            'send failed: HTTP 301:  (redirected to https://berth.example/api/v1/ingest: point --server there); 3 batches kept, next try in 0.5 s',
          ),
        ],
      },
    ],
    [
      'connection refused',
      sending(one(1)),
      { ...REFUSED_CONN, waiting: 1 },
      {
        actions: [
          wait(501),
          warn('send failed: cannot reach http://berth:8080 (ECONNREFUSED); 1 batch kept, next try in 0.5 s'),
        ],
      },
    ],
    [
      'timed out',
      sending(one(1)),
      TIMEOUT,
      {
        actions: [
          wait(501),
          warn('send failed: cannot reach http://berth:8080 (timed out); 3 batches kept, next try in 0.5 s'),
        ],
      },
    ],
    [
      'a proxy echoing the token and control characters',
      sending(one(1)),
      answer(502, 'bad gateway for Bearer secret-token\u001b[31m\r'),
      {
        actions: [
          wait(501),
          warn(
            'send failed: HTTP 502: bad gateway for Bearer [token]\\x1b[31m\\x0d; 3 batches kept, next try in 0.5 s',
          ),
        ],
      },
    ],
    [
      'a stall ends the drain with a line when it replayed a backlog first',
      sending(one(3), {}, 2, 1),
      answer(503, '{"error":"busy"}', { waiting: 4 }),
      {
        state: { drain: undefined },
        actions: [
          wait(501),
          warn('send failed: HTTP 503: busy; 4 batches kept, next try in 0.5 s'),
          info('replayed 2 spooled batches in 1 request; 4 left'),
        ],
      },
    ],
    [
      'a stall after one batch went: a line, since some are left',
      sending(one(2), {}, 1, 1),
      answer(503, '{"error":"busy"}', { waiting: 2 }),
      {
        actions: [
          wait(501),
          warn('send failed: HTTP 503: busy; 2 batches kept, next try in 0.5 s'),
          info('replayed 1 spooled batch; 2 left'),
        ],
      },
    ],
  ]);
});

test('only a refusal of the batch itself drops it: 400 (not a version) and 413', () => {
  const cases: [number, string, 'kept' | 'dropped'][] = [
    [301, '', 'kept'],
    [308, '', 'kept'],
    [400, '{"error":"host.ts.3: bad"}', 'dropped'],
    [400, 'not json at all', 'dropped'],
    [400, '{"error":"v: protocol version 3 is not one this server takes"}', 'kept'],
    [401, '{"error":"unknown token"}', 'kept'],
    [403, '<html>Forbidden by policy</html>', 'kept'],
    [404, '{"error":"no route for POST /api/v1/ingest"}', 'kept'],
    [409, '{"error":"agent.host: host name \\"h\\" already belongs to another machine"}', 'kept'],
    [413, '{"error":"body larger than 8388608 bytes"}', 'dropped'],
    [415, '{"error":"content-type"}', 'kept'],
    [429, '', 'kept'],
    [500, '{"error":"internal"}', 'kept'],
    [502, 'bad gateway', 'kept'],
    [503, '{"error":"busy"}', 'kept'],
    [504, 'gateway timeout', 'kept'],
  ];
  for (const [status, text, fate] of cases) {
    const { state, actions } = step(cfg, sending(one(1)), answer(status, text));
    const removed = actions.some((a) => a.type === 'remove');
    assert.equal(removed ? 'dropped' : 'kept', fate, `${status} ${text}`);
    assert.equal(state.rejected, fate === 'dropped' ? 1 : 0, `${status}: counted`);
    assert.equal(state.failures, fate === 'kept' ? 1 : 0, `${status}: a failed try`);
  }
});
