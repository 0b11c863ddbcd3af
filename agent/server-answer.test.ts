// What an answer (or its absence) means for a batch, and the server's words made safe for the log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forLog, outcomeOfAnswer, outcomeOfNoAnswer, type Outcome } from './server-answer.ts';

test('answers: delivered only with a Berth 2xx; whether a kept one may have been stored', () => {
  const rows: [status: number, text: string, outcome: Outcome][] = [
    [200, '{"ok":true,"rows":3}', { kind: 'delivered' }],
    [202, '{"ok":true}', { kind: 'delivered' }],
    [
      200,
      '{"ok":false}',
      { kind: 'retry', message: `HTTP 200 but not a Berth server's answer: {"ok":false}`, mayBeStored: false },
    ],
    [503, '{"error":"busy"}', { kind: 'retry', message: 'HTTP 503: busy', status: 503, mayBeStored: false }],
    [502, 'bad gateway', { kind: 'retry', message: 'HTTP 502: bad gateway', status: 502, mayBeStored: true }],
    [504, '', { kind: 'retry', message: 'HTTP 504: ', status: 504, mayBeStored: true }],
    [413, '{"error":"too big"}', { kind: 'refused', message: 'HTTP 413: too big', status: 413 }],
    [400, '{"error":"x: bad"}', { kind: 'refused', message: 'HTTP 400: x: bad', status: 400 }],
    [
      400,
      '{"error":"v: 3 unknown"}',
      { kind: 'retry', message: 'HTTP 400: v: 3 unknown', status: 400, mayBeStored: false },
    ],
    [
      302,
      '',
      {
        kind: 'retry',
        message: 'HTTP 302:  (redirected to nowhere said: point --server there)',
        status: 302,
        mayBeStored: false,
      },
    ],
  ];
  for (const [status, text, outcome] of rows)
    assert.deepEqual(outcomeOfAnswer({ status, text }, 'tok-12345678'), outcome);
  assert.equal(
    (outcomeOfAnswer({ status: 500, text: 'x'.repeat(1000) }, '') as { message: string }).message.length,
    'HTTP 500: '.length + 300,
    'a long answer that is not JSON is cut',
  );
});

test('no answer: only a timeout or a reset may have been stored', () => {
  const rows: [err: { name?: string; code?: string; message: string }, message: string, mayBeStored: boolean][] = [
    [{ name: 'TimeoutError', message: 'no complete answer' }, 'cannot reach http://s (timed out)', true],
    [{ code: 'ECONNRESET', message: 'socket hang up' }, 'cannot reach http://s (ECONNRESET)', true],
    [{ code: 'ECONNREFUSED', message: 'connect' }, 'cannot reach http://s (ECONNREFUSED)', false],
    [{ code: 'EPIPE', message: 'write' }, 'cannot reach http://s (EPIPE)', false],
    [{ message: 'getaddrinfo failed' }, 'cannot reach http://s (getaddrinfo failed)', false],
  ];
  for (const [err, message, mayBeStored] of rows)
    assert.deepEqual(outcomeOfNoAnswer(err, 'http://s', 'tok'), { kind: 'retry', message, mayBeStored });
});

test('a short token is masked where it stands alone, not inside the words around it', () => {
  assert.equal(
    forLog('cannot reach http://127.0.0.1:1 (ECONNREFUSED)', 't'),
    'cannot reach http://127.0.0.1:1 (ECONNREFUSED)',
  );
  assert.equal(forLog('bad gateway for Bearer t; token=t.', 't'), 'bad gateway for Bearer [token]; token=[token].');
  assert.equal(
    forLog('got "a+b" (a+b)', 'a+b'),
    'got "[token]" ([token])',
    'regular-expression characters are taken literally',
  );
  assert.equal(forLog('xsecret-token-12y', 'secret-token-12'), 'x[token]y', 'a long one wherever it appears');
  assert.equal(forLog('line\u001b[31m\u2028end', ''), 'line\\x1b[31m\\u2028end', 'control characters written out');
});
