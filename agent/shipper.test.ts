// The delivery loop end to end: real spool files, the real policy, time on a fake clock and
// the server a script (its answers, its lost answers). The wire itself: shipper-wire.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import zlib from 'node:zlib';
import { Shipper } from './shipper.ts';
import { Outbox } from './outbox.ts';
import { Spool } from './spool.ts';
import { memoryLogger } from '../lib/log.ts';
import type { PostAnswer } from './http-post.ts';
import { tempDir } from '../test/support/temp.ts';
import { fakeClock } from '../test/support/fake-clock.ts';
import type { ColumnBatch } from '../protocol/batch.ts';

const T0 = 1_790_000_000;
const snap = (ts: number) => ({ ts, host: { cpu_pct: ts % 100 }, containers: [], series: [] });
const decode = (body: Uint8Array) => JSON.parse(zlib.gunzipSync(body).toString()) as ColumnBatch;
const ticks = (b: ColumnBatch) => b.host!.ts.map((t) => t - T0);

const OK: PostAnswer = { status: 200, text: '{"ok":true}' };
const BUSY: PostAnswer = { status: 503, text: '{"error":"busy"}' };
const timeout = () => Object.assign(new Error('no complete answer within 1000 ms'), { name: 'TimeoutError' });

type Reply = PostAnswer | Error | Promise<PostAnswer>;

/** A shipper on a real spool whose server is `answer` (called with each batch sent, numbered from 1), on a fake clock, jitter 0. */
function harness(answer: (b: ColumnBatch, n: number) => Reply) {
  const clock = fakeClock();
  const log = memoryLogger();
  const dir = tempDir();
  const spool = new Spool(dir, 1e7, memoryLogger());
  const outbox = new Outbox(spool, log);
  const sent: { batch: ColumnBatch; timeoutMs: number }[] = [];
  const s = new Shipper({
    server: 'http://berth.test',
    token: 'secret-token',
    agent: { host: 'h' },
    outbox,
    log,
    timeoutMs: 1000,
    clock,
    random: () => 0,
    post: async (_url, opts) => {
      const batch = decode(opts.body);
      sent.push({ batch, timeoutMs: opts.timeoutMs });
      const r = await answer(batch, sent.length);
      if (r instanceof Error) throw r;
      return r;
    },
  });
  /** Spools one batch of the given ticks (seconds after T0) without sending. */
  const spoolTicks = (...ts: number[]) => {
    for (const t of ts) s.enqueue(snap(T0 + t));
    s.spoolPending();
  };
  return { s, clock, log, dir, spool, outbox, sent, spoolTicks, batches: () => sent.map((x) => ticks(x.batch)) };
}

test('while the server fails batches are kept and the oldest alone tries it; once it answers, the backlog goes as one, in order', async () => {
  let up = false;
  const h = harness(() => (up ? OK : BUSY));
  for (let i = 0; i < 5; i++) {
    h.s.enqueue(snap(T0 + i));
    await h.s.flush();
    h.clock.advance(10_000);
    await h.s.idle;
  }
  assert.equal(h.outbox.count, 5, 'every batch kept while the server fails');
  assert.ok(
    h.batches().every((b) => b.length === 1),
    `while it fails, one batch at a time tries it: ${JSON.stringify(h.batches())}`,
  );
  up = true;
  const before = h.sent.length;
  await h.clock.run(60_000, () => h.s.idle); // the retry timer, not a flush, sends them
  assert.equal(h.outbox.count, 0);
  assert.deepEqual(h.batches().slice(before), [[0], [1, 2, 3, 4]], 'the oldest alone, then the rest as one');
  assert.deepEqual(
    h.sent.at(-1)!.batch.host?.metrics.cpu_pct,
    [1, 2, 3, 4].map((i) => (T0 + i) % 100),
  );
  assert.equal(h.s.sent, 5);
  assert.ok(h.log.lines.includes('info replayed 5 spooled batches in 2 requests; 0 left'), h.log.lines.join('\n'));
  assert.ok(h.log.lines.includes('warn send failed: HTTP 503: busy; 1 batch kept, next try in 0.5 s'));
});

test('the next try comes when the log says, and not before; a flush meanwhile only spools', async () => {
  let n = 0;
  const h = harness(() => (++n === 1 ? BUSY : OK));
  h.s.enqueue(snap(T0));
  await h.s.flush();
  assert.match(h.log.lines.at(-1)!, /next try in 0\.5 s$/);
  h.clock.advance(100);
  h.s.enqueue(snap(T0 + 1));
  await h.s.flush();
  assert.deepEqual([h.sent.length, h.outbox.count], [1, 2], 'a flush during the backoff sends nothing');
  h.clock.advance(400);
  await h.s.idle;
  assert.equal(h.sent.length, 1, 'not before 0.5 s');
  h.clock.advance(1);
  await h.s.idle;
  assert.deepEqual(h.batches(), [[0], [0], [1]], 'after a failure the oldest alone, then the next');
  assert.deepEqual(h.clock.armed, [], 'no timer left once delivered');
});

test('a forced flush (the agent stopping, --once) does not wait out the backoff', async () => {
  let up = false;
  const h = harness(() => (up ? OK : BUSY));
  h.spoolTicks(0);
  await h.s.flush();
  up = true;
  h.spoolTicks(1);
  await h.s.flush({ force: true });
  assert.deepEqual([h.outbox.count, h.s.sent], [0, 2]);
});

test('a catch-up batch whose answer is lost goes again once with the same id; then the oldest alone, and smaller ones', async () => {
  const h = harness((_, n) => (n <= 2 ? timeout() : OK));
  h.spoolTicks(0);
  h.spoolTicks(10);
  h.spoolTicks(20);
  h.spoolTicks(30);
  h.spoolTicks(40);
  h.spoolTicks(50);
  await h.s.flush({ force: true });
  assert.equal(h.outbox.count, 6, 'timed out: all kept');
  await h.clock.run(60_000, () => h.s.idle);
  const [lost, again, probe, ...rest] = h.sent;
  assert.equal(again.batch.batch_id, lost.batch.batch_id, 'the server absorbs it if the lost answer had stored it');
  assert.deepEqual(ticks(again.batch), ticks(lost.batch));
  assert.deepEqual(
    [lost.timeoutMs, again.timeoutMs, probe.timeoutMs],
    [4000, 4000, 1000],
    'a catch-up batch gets 4× the time',
  );
  assert.deepEqual(ticks(lost.batch), [0, 10, 20, 30, 40, 50]);
  assert.deepEqual(ticks(probe.batch), [0], 'not a third time: the oldest alone');
  assert.deepEqual(
    rest.flatMap((r) => ticks(r.batch)),
    [10, 20, 30, 40, 50],
    'the rest, in order',
  );
  assert.ok(
    rest.length > 1 && rest.every((r) => r.batch.host!.ts.length <= 3),
    `in catch-up batches of at most half the bytes: ${JSON.stringify(rest.map((r) => ticks(r.batch)))}`,
  );
  assert.equal(h.outbox.count, 0);
});

test('a catch-up batch refused as a whole goes out a batch at a time: only the bad one is dropped', async () => {
  const h = harness((b) => (ticks(b).includes(30) ? { status: 400, text: '{"error":"host.ts.3: bad"}' } : OK));
  for (let i = 0; i < 8; i++) h.spoolTicks(i * 10);
  await h.s.flush({ force: true });
  assert.equal(h.outbox.count, 0);
  assert.deepEqual(h.batches(), [[0, 10, 20, 30, 40, 50, 60, 70], [0], [10], [20], [30], [40], [50], [60], [70]]);
  assert.deepEqual([h.s.sent, h.s.rejected], [7, 1]);
  assert.ok(
    h.log.lines.includes(
      'warn server refused a catch-up batch of 8 spooled batches (HTTP 400: host.ts.3: bad): sending them one at a time',
    ),
  );
  assert.equal(h.log.lines.filter((l) => /server refused batch .*dropped/.test(l)).length, 1);
});

test('a catch-up batch too large for the server (413) goes as its batches, none lost, and later ones are smaller', async () => {
  const h = harness((b) =>
    b.host!.ts.length > 3 ? { status: 413, text: '{"error":"body larger than 2048 bytes"}' } : OK,
  );
  for (let i = 0; i < 16; i++) h.spoolTicks(i);
  await h.s.flush({ force: true });
  assert.deepEqual(
    h.batches().map((b) => b.length),
    [16, ...Array(16).fill(1)],
  );
  for (let i = 0; i < 16; i++) h.spoolTicks(100 + i);
  await h.s.flush({ force: true });
  const merged = h
    .batches()
    .map((b) => b.length)
    .filter((n) => n > 1);
  assert.ok(merged[1] <= 8, `the next one holds at most half the bytes: ${merged.join(', ')}`);
  assert.deepEqual([h.s.sent, h.s.rejected, h.outbox.count], [32, 0, 0], 'none lost');
});

test('a spool that cannot be written: batches held in memory are sent, and spooled again once it can', async () => {
  let up = false;
  const h = harness(() => (up ? OK : BUSY));
  // The folder becomes a file: every write into it fails (ENOTDIR), as on a full or read-only disk.
  fs.rmSync(h.dir, { recursive: true });
  fs.writeFileSync(h.dir, '');
  h.s.enqueue(snap(T0));
  await h.s.flush();
  h.s.enqueue(snap(T0 + 10));
  await h.s.flush({ force: true });
  assert.equal(h.s.inMemory, 2, 'nothing lost while the server is down and the disk will not take it');
  fs.rmSync(h.dir);
  fs.mkdirSync(h.dir);
  await h.s.flush({ force: true });
  assert.deepEqual([h.s.inMemory, h.spool.count], [0, 2], 'spooled again, before the server answers');
  up = true;
  const before = h.sent.length;
  await h.s.flush({ force: true });
  assert.deepEqual(h.batches().slice(before), [[0], [10]], 'both, in order');
  // A spool that stays unwritable: sent straight from memory.
  fs.rmSync(h.dir, { recursive: true });
  fs.writeFileSync(h.dir, '');
  h.s.enqueue(snap(T0 + 20));
  await h.s.flush({ force: true });
  assert.deepEqual([h.s.inMemory, h.sent.at(-1)!.batch.host!.ts[0]], [0, T0 + 20]);
  fs.rmSync(h.dir);
});

test('batches held in memory are each sent, none lost, when a flush comes while they are being sent', async () => {
  let up = false;
  let release!: () => void;
  const delivered: number[] = [];
  const h = harness((b) =>
    up ? new Promise<PostAnswer>((r) => (release = () => (delivered.push(...ticks(b)), r(OK)))) : BUSY,
  );
  fs.rmSync(h.dir, { recursive: true });
  fs.writeFileSync(h.dir, '');
  for (let i = 0; i < 3; i++) {
    h.s.enqueue(snap(T0 + i));
    await h.s.flush({ force: true });
  }
  assert.equal(h.s.inMemory, 3);
  // The server answers again, slowly; the disk too, while the first batch is on its way.
  up = true;
  const sending = h.s.flush({ force: true });
  await new Promise(setImmediate);
  fs.rmSync(h.dir);
  fs.mkdirSync(h.dir);
  h.s.enqueue(snap(T0 + 3));
  void h.s.flush();
  for (let i = 0; i < 10 && h.outbox.count; i++) {
    release();
    await new Promise(setImmediate);
  }
  await sending;
  assert.deepEqual(delivered.sort(), [0, 1, 2, 3]);
  assert.deepEqual([h.s.sent, h.s.inMemory, h.spool.count], [4, 0, 0]);
});
