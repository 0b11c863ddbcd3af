import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forwardingSummary, LATE_SECONDS } from './forwarding.ts';
import type { ForwardStats } from '../api.ts';

const target = (over: Partial<ForwardStats> = {}): ForwardStats => ({
  target: 'http://vm:8428/api/v1/write',
  queueBytes: 0,
  queueSamples: 0,
  queueRecords: 0,
  lagSeconds: 0,
  sentSamples: 120,
  sentRequests: 3,
  failedRequests: 0,
  droppedFull: 0,
  droppedRejected: 0,
  lastError: null,
  ...over,
});

test('a server that forwards nowhere says nothing about forwarding', () => {
  assert.equal(forwardingSummary([]), null);
});

test('a target keeping up reads as up to date, with nothing queued or dropped', () => {
  assert.deepEqual(forwardingSummary([target({ lagSeconds: 0.4 })]), {
    text: 'Forwarding up to date, 0 samples queued, 0 dropped',
    detail:
      'http://vm:8428/api/v1/write: up to date, 0 samples (0 B) queued, 0 dropped for a full queue, 0 refused by the target',
    trouble: false,
  });
});

test('a failing target shows its lag, queue and last error, and is trouble', () => {
  const s = forwardingSummary([
    target({ lagSeconds: 125, queueSamples: 4200, queueBytes: 3 * 1024 * 1024, lastError: 'HTTP 503' }),
  ])!;
  assert.equal(s.text, 'Forwarding 2 min 5 s behind, 4.2k samples queued, 0 dropped');
  assert.match(s.detail, /: 2 min 5 s behind, 4\.2k samples \(3 MiB\) queued, .*; last error: HTTP 503$/);
  assert.equal(s.trouble, true);
});

test('several targets: the worst lag, queues and drops summed, each target in the detail', () => {
  const s = forwardingSummary([
    target({ target: 'http://a/write', lagSeconds: 3, queueSamples: 10, droppedFull: 5 }),
    target({ target: 'http://b/write', lagSeconds: 40, queueSamples: 1, droppedRejected: 2 }),
  ])!;
  assert.equal(s.text, 'Forwarding 40 s behind, 11 samples queued, 7 dropped');
  assert.deepEqual(
    s.detail.split('\n').map((l) => l.slice(0, l.indexOf(': '))),
    ['http://a/write', 'http://b/write'],
  );
  // Drops count since the server started: shown, but a target delivering on time is no trouble.
  assert.equal(s.trouble, false);
});

test('falling LATE_SECONDS behind is trouble even without an error', () => {
  assert.equal(forwardingSummary([target({ lagSeconds: LATE_SECONDS - 1 })])!.trouble, false);
  assert.equal(forwardingSummary([target({ lagSeconds: LATE_SECONDS })])!.trouble, true);
});

test('one sample is a sample', () => {
  assert.match(forwardingSummary([target({ queueSamples: 1, lagSeconds: 2 })])!.text, /, 1 sample queued,/);
});
