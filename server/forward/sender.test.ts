// The sending loop against a scripted receiver, on a real queue, with no network and no
// real timers: records go out joined in order, an outage is waited out with growing delays
// and nothing is lost, a refusal splits or gives up, a wake-up sends what was queued.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DiskQueue } from './queue.ts';
import { Sender } from './sender.ts';
import {
  compress,
  decodeWriteRequest,
  encodeWriteRequest,
  uncompress,
  type TimeSeries,
} from '../prometheus/remote-write.ts';
import { tempDir } from '../../test/support/temp.ts';

const series = (i: number): TimeSeries[] => [
  {
    labels: [
      { name: '__name__', value: 'berth_test' },
      { name: 'i', value: String(i) },
    ],
    samples: [{ value: i, timestamp: 1000 * i }],
  },
];
const record = (i: number) => compress(encodeWriteRequest(series(i)));
/** The values the bodies carried, in the order they were sent. */
const values = (bodies: Buffer[]) =>
  bodies.flatMap((b) => decodeWriteRequest(uncompress(b)).timeseries.map((t) => t.samples[0].value));

function harness(answers: (number | string)[]) {
  const queue = new DiskQueue(tempDir(), { maxBytes: 1 << 20 });
  const bodies: Buffer[] = [];
  const delays: number[] = [];
  const logs: string[] = [];
  let sender: Sender;
  const s = (sender = new Sender({
    queue,
    target: 'http://127.0.0.1:1/api/v1/write',
    post: async (body) => {
      const a = answers.shift() ?? 200;
      if (typeof a === 'string') throw Object.assign(new Error('fetch failed'), { cause: { code: a } });
      if (a >= 200 && a < 300) bodies.push(body);
      // Once the script is done and nothing is left, stop.
      if (answers.length === 0) setImmediate(() => queue.peek(1, 1) === undefined && void sender.stop());
      return { status: a, retryAfter: null };
    },
    sleep: async (ms) => {
      delays.push(ms);
    },
    random: () => 1,
    nowMs: () => 0,
    log: (level, m) => logs.push(`${level}: ${m}`),
    maxRecords: 4,
  }));
  return { queue, sender: s, bodies, delays, logs };
}

test('queued records go out oldest first, several joined in one request', async () => {
  const h = harness([200, 200]);
  for (let i = 1; i <= 6; i++) h.queue.append(record(i), 1);
  await h.sender.start();
  assert.equal(h.bodies.length, 2);
  assert.deepEqual(values(h.bodies), [1, 2, 3, 4, 5, 6]);
  assert.equal(h.sender.sentSamples, 6);
  assert.equal(h.sender.sentRequests, 2);
  assert.equal(h.queue.peek(10, 1 << 20), undefined);
});

test('an outage is waited out with growing delays, and nothing is lost', async () => {
  const h = harness(['ECONNREFUSED', 503, 'ETIMEDOUT', 200]);
  h.queue.append(record(1), 1);
  h.queue.append(record(2), 1);
  await h.sender.start();
  assert.deepEqual(h.delays, [500, 1000, 2000]);
  assert.deepEqual(values(h.bodies), [1, 2]);
  assert.equal(h.sender.failedRequests, 3);
  assert.match(
    h.logs[0],
    /^warn: remote-write http:\/\/127\.0\.0\.1:1\/api\/v1\/write: ECONNREFUSED; 2 samples stay queued, next try in 0\.5 s$/,
  );
  assert.match(h.logs.at(-1)!, /^info: .*delivering again after 3 failed tries/);
});

test('a request too large is split; a record refused alone is given up and counted', async () => {
  // 4 records → 413 → 2 + 2; the first half then 400 → 1 + 1; record 1 refused alone.
  const h = harness([413, 400, 400, 200, 200]);
  for (let i = 1; i <= 4; i++) h.queue.append(record(i), 1);
  await h.sender.start();
  assert.deepEqual(values(h.bodies), [2, 3, 4]);
  assert.equal(h.sender.droppedRejected, 1);
  assert.equal(h.delays.length, 0, 'a refusal is no reason to wait');
  assert.match(h.logs.join('\n'), /HTTP 400: the target refused 1 samples; given up/);
});

test('an idle sender sends what is queued when woken', async () => {
  const h = harness([200]);
  const running = h.sender.start();
  await new Promise((r) => setImmediate(r));
  assert.equal(h.bodies.length, 0);
  h.queue.append(record(7), 1);
  h.sender.wake();
  await running;
  assert.deepEqual(values(h.bodies), [7]);
});
