// The delivery policy's backoff after a failed try, and which failures get a log line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { step } from './delivery-policy.ts';
import { NOW, REFUSED_CONN, answer, cfg, error, one, sending } from '../test/support/delivery-rows.ts';

test('the backoff doubles from --min up to the cap, with jitter between half and all of it', () => {
  const rows: [failuresBefore: number, jitter: number, waitMs: number][] = [
    [0, 0, 500],
    [0, 0.5, 750],
    [1, 0, 1000],
    [2, 0, 2000],
    [4, 0, 8000],
    [4, 1, 16_000],
    [5, 1, 30_000],
    [5, 0, 15_000],
    [30, 0.5, 22_500],
  ];
  for (const [failures, jitter, waitMs] of rows) {
    const { state, actions } = step(cfg, sending(one(1), { failures }), { ...REFUSED_CONN, jitter });
    assert.deepEqual(actions[0], { type: 'wait', ms: waitMs + 1 }, `after ${failures} failures, jitter ${jitter}`);
    assert.equal(state.retryAt, NOW + waitMs);
    assert.equal(state.failures, failures + 1);
  }
});

test('failure lines: the first three, then every 20th, and whenever the reason changes', () => {
  const rows: [failuresBefore: number, lastMessage: string, logged: string | undefined][] = [
    [0, '', 'send failed: HTTP 503: busy; 3 batches kept, next try in 0.5 s'],
    [2, 'HTTP 503: busy', 'send failed: HTTP 503: busy; 3 batches kept, next try in 2.0 s'],
    [3, 'HTTP 503: busy', undefined],
    [
      3,
      'cannot reach http://berth:8080 (ECONNREFUSED)',
      'send failed: HTTP 503: busy; 3 batches kept, next try in 4.0 s (4 failed tries in a row)',
    ],
    [9, 'HTTP 503: busy', undefined],
    [18, 'HTTP 503: busy', undefined],
    [
      19,
      'HTTP 503: busy',
      'send failed: HTTP 503: busy; 3 batches kept, next try in 15.0 s (20 failed tries in a row)',
    ],
    [20, 'HTTP 503: busy', undefined],
    [
      39,
      'HTTP 503: busy',
      'send failed: HTTP 503: busy; 3 batches kept, next try in 15.0 s (40 failed tries in a row)',
    ],
  ];
  for (const [failures, lastRetryMessage, logged] of rows) {
    const { state, actions } = step(
      cfg,
      sending(one(1), { failures, lastRetryMessage }),
      answer(503, '{"error":"busy"}'),
    );
    const lines = actions.filter((a) => a.type === 'log').map((a) => a.text);
    assert.deepEqual(lines, logged ? [logged] : [], `failure ${failures + 1} after "${lastRetryMessage}"`);
    assert.equal(state.lastRetryMessage, 'HTTP 503: busy');
  }
});
