// Delivery against a real HTTP server on loopback that fails in the ways real servers do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import zlib from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { forLog, Shipper } from './shipper.ts';
import { Spool } from './spool.ts';
import { memoryLogger } from './log.ts';
import { tempDir } from '../test/support/temp.ts';
import type { ColumnBatch as Batch } from '../protocol/batch.ts';

interface Received {
  batch: Batch;
  encoding: string | undefined;
  auth: string | undefined;
}

async function fakeServer(
  answer: (
    n: number,
    b: Batch,
    auth?: string,
  ) => { status: number; body?: string; delayMs?: number; headers?: Record<string, string> },
) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const batch = JSON.parse(zlib.gunzipSync(Buffer.concat(chunks)).toString()) as Batch;
      received.push({ batch, encoding: req.headers['content-encoding'], auth: req.headers.authorization });
      const a = answer(received.length, batch, req.headers.authorization);
      setTimeout(() => {
        res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers });
        res.end(a.body ?? '{"ok":true}');
      }, a.delayMs ?? 0);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const snap = (ts: number) => ({ ts, host: { cpu_pct: ts % 100 }, containers: [], series: [] });

function shipper(url: string, spool: Spool, log = memoryLogger(), timeoutMs = 2000) {
  return new Shipper({
    server: url,
    token: 'secret-token',
    agent: { host: 'h' },
    spool,
    log,
    minBackoff: 0.01,
    maxBackoff: 0.02,
    timeoutMs,
  });
}

/** A shipper against a fake server that answers `answer`, after one batch went out. */
async function sendOne(t: { after: (fn: () => Promise<void>) => void }, answer: Parameters<typeof fakeServer>[0]) {
  const srv = await fakeServer(answer);
  t.after(srv.close);
  const spool = new Spool(tempDir(), 1e6, memoryLogger());
  const log = memoryLogger();
  const s = shipper(srv.url, spool, log);
  s.enqueue(snap(1_790_000_000));
  await s.flush();
  return { srv, spool, log, s };
}

test('batches are gzip JSON with a bearer token and a batch id', async (t) => {
  const srv = await fakeServer(() => ({ status: 200 }));
  t.after(srv.close);
  const s = shipper(srv.url, new Spool(tempDir(), 1e6, memoryLogger()));
  s.enqueue(snap(1_790_000_000));
  await s.flush();
  assert.equal(srv.received.length, 1);
  assert.equal(srv.received[0].encoding, 'gzip');
  assert.equal(srv.received[0].auth, 'Bearer secret-token');
  assert.match(srv.received[0].batch.batch_id, /^[0-9a-f-]{36}$/);
  assert.equal(srv.received[0].batch.v, 2);
  assert.deepEqual(srv.received[0].batch.host?.ts, [1_790_000_000]);
});

test('on 5xx batches are spooled, then replayed in order once the server answers', async (t) => {
  let failing = true;
  const srv = await fakeServer(() => ({
    status: failing ? 503 : 200,
    body: failing ? '{"error":"busy"}' : '{"ok":true}',
  }));
  t.after(srv.close);
  const spool = new Spool(tempDir(), 1e6, memoryLogger());
  const log = memoryLogger();
  const s = shipper(srv.url, spool, log);
  for (let i = 0; i < 5; i++) {
    s.enqueue(snap(1_790_000_000 + i));
    await s.flush();
    await new Promise((r) => setTimeout(r, 30));
  }
  assert.equal(spool.count, 5, 'every batch is in the spool while the server fails');
  failing = false;
  await new Promise((r) => setTimeout(r, 50));
  await s.flush();
  assert.equal(spool.count, 0);
  // The oldest alone tries the server that was failing; once it answers, the rest go as one.
  assert.ok(
    srv.received.slice(0, -2).every((r) => r.batch.host!.ts.length === 1),
    'while it fails, one batch at a time tries it',
  );
  const [probe, rest] = srv.received.slice(-2).map((r) => r.batch);
  assert.deepEqual(probe.host?.ts, [1_790_000_000]);
  assert.deepEqual(
    rest.host?.ts,
    [1, 2, 3, 4].map((i) => 1_790_000_000 + i),
    'the backlog goes out as one batch, oldest first',
  );
  assert.deepEqual(
    rest.host?.metrics.cpu_pct,
    [1, 2, 3, 4].map((i) => (1_790_000_000 + i) % 100),
  );
  assert.ok(
    log.lines.some((l) => /replayed 5 spooled batches in 2 requests; 0 left/.test(l)),
    log.lines.join('\n'),
  );
  assert.ok(
    log.lines.some((l) => /send failed: HTTP 503: busy/.test(l)),
    'the failure is logged with the server message',
  );
});

/** A shipper with `n` batches of one tick each in its spool, the server failing meanwhile. */
async function backlog(answer: Parameters<typeof fakeServer>[0], n: number, timeoutMs = 2000) {
  let up = false;
  const srv = await fakeServer((k, b, auth) => (up ? answer(k, b, auth) : { status: 503, body: '{"error":"down"}' }));
  const spool = new Spool(tempDir(), 1e6, memoryLogger());
  const log = memoryLogger();
  const s = shipper(srv.url, spool, log, timeoutMs);
  for (let i = 0; i < n; i++) {
    s.enqueue(snap(1_790_000_000 + i * 10));
    s.spoolPending();
  }
  up = true;
  srv.received.length = 0;
  return { srv, spool, log, s };
}

test('a catch-up batch the server refuses as a whole goes out a batch at a time: only the bad one is dropped', async (t) => {
  const bad = 1_790_000_000 + 30;
  const { srv, spool, log, s } = await backlog(
    (_, b) => (b.host?.ts.includes(bad) ? { status: 400, body: '{"error":"host.ts.3: bad"}' } : { status: 200 }),
    8,
  );
  t.after(srv.close);
  await s.flush({ force: true });
  assert.equal(spool.count, 0);
  assert.equal(srv.received[0].batch.host?.ts.length, 8, 'first as one');
  const stored = srv.received
    .slice(1)
    .filter((r) => !r.batch.host?.ts.includes(bad))
    .flatMap((r) => r.batch.host!.ts);
  assert.deepEqual(
    stored,
    [0, 1, 2, 4, 5, 6, 7].map((i) => 1_790_000_000 + i * 10),
    'every other tick delivered, in order',
  );
  assert.equal(s.rejected, 1);
  assert.ok(
    log.lines.some((l) =>
      /refused a catch-up batch of 8 spooled batches \(HTTP 400: host.ts.3: bad\): sending them one at a time/.test(l),
    ),
    log.lines.join('\n'),
  );
  assert.equal(log.lines.filter((l) => /server refused batch .*dropped/.test(l)).length, 1);
});

test('a catch-up batch whose answer is lost (a timeout) goes again once with the same id; then the oldest alone tries', async (t) => {
  let up = false;
  // The first two answers come after the catch-up timeout (4 × 500 ms), then at once.
  const srv = await fakeServer((k) => (up ? { status: 200, delayMs: k <= 2 ? 3000 : 0 } : { status: 503 }));
  t.after(srv.close);
  const spool = new Spool(tempDir(), 1e6, memoryLogger());
  const s = shipper(srv.url, spool, memoryLogger(), 500);
  for (let i = 0; i < 6; i++) {
    s.enqueue(snap(1_790_000_000 + i * 10));
    s.spoolPending();
  }
  up = true;
  srv.received.length = 0;
  await s.flush({ force: true });
  assert.equal(spool.count, 6, 'timed out: all kept');
  await s.flush({ force: true });
  assert.equal(spool.count, 6, 'timed out again: all kept');
  await new Promise((r) => setTimeout(r, 50));
  await s.flush({ force: true });
  assert.equal(spool.count, 0);
  const [lost, again, probe, ...rest] = srv.received.map((r) => r.batch);
  assert.equal(again.batch_id, lost.batch_id, 'the server absorbs it if the lost answer had stored it');
  assert.deepEqual(again.host?.ts, lost.host?.ts);
  assert.equal(lost.host?.ts.length, 6);
  assert.deepEqual(probe.host?.ts, [1_790_000_000], 'not a third time: the oldest alone');
  assert.deepEqual(
    rest.flatMap((b) => b.host!.ts),
    [1, 2, 3, 4, 5].map((i) => 1_790_000_000 + i * 10),
    'the rest, in order',
  );
  assert.ok(
    rest.every((b) => b.host!.ts.length <= 3),
    'in catch-up batches of at most half the size',
  );
});

test('a catch-up batch has longer than one batch to be answered', async (t) => {
  // 600 ms: past the 250 ms a batch gets, within the catch-up batch's 4 × 250 ms.
  const { srv, spool, s } = await backlog(() => ({ status: 200, delayMs: 600 }), 4, 250);
  t.after(srv.close);
  await s.flush({ force: true });
  assert.equal(spool.count, 0);
  assert.deepEqual(
    srv.received.map((r) => r.batch.host!.ts.length),
    [4],
  );
});

test('after a 413 the next catch-up batches are smaller', async (t) => {
  const sizes: number[] = [];
  const { srv, s } = await backlog((_, b) => {
    sizes.push(b.host!.ts.length);
    return b.host!.ts.length > 3 ? { status: 413, body: '{"error":"body larger than 2048 bytes"}' } : { status: 200 };
  }, 16);
  t.after(srv.close);
  await s.flush({ force: true });
  for (let i = 0; i < 16; i++) {
    s.enqueue(snap(1_790_001_000 + i * 10));
    s.spoolPending();
  }
  await s.flush({ force: true });
  const merged = sizes.filter((n) => n > 1);
  assert.equal(merged[0], 16);
  assert.ok(merged[1] <= 8, `the next one holds at most half the bytes: ${merged.join(', ')}`);
  assert.equal(s.sent, 32, 'none lost');
});

test('a catch-up batch too large for the server (413) is sent as its batches, none lost', async (t) => {
  const { srv, spool, s } = await backlog(
    (_, b) =>
      b.host!.ts.length > 1 ? { status: 413, body: '{"error":"body larger than 2048 bytes"}' } : { status: 200 },
    5,
  );
  t.after(srv.close);
  await s.flush({ force: true });
  assert.equal(spool.count, 0);
  assert.equal(s.rejected, 0);
  assert.deepEqual(
    srv.received.slice(1).map((r) => r.batch.host!.ts[0]),
    [0, 1, 2, 3, 4].map((i) => 1_790_000_000 + i * 10),
  );
  assert.equal(s.sent, 5);
});

test('an unreachable server: batches spooled, one log line per failure, sampling goes on', async () => {
  const srv = await fakeServer(() => ({ status: 200 }));
  const url = srv.url;
  await srv.close();
  const spool = new Spool(tempDir(), 1e6, memoryLogger());
  const log = memoryLogger();
  const s = shipper(url, spool, log);
  s.enqueue(snap(1_790_000_000));
  await s.flush();
  assert.equal(spool.count, 1);
  assert.equal(log.lines.filter((l) => l.startsWith('warn send failed')).length, 1);
  assert.match(log.lines[0], /cannot reach .* \(ECONNREFUSED\)/);
});

test('a refused batch (400) is logged with the server message and not retried', async (t) => {
  const { srv, spool, log, s } = await sendOne(t, () => ({ status: 400, body: '{"error":"snapshots.0.ts: too old"}' }));
  await s.flush({ force: true });
  assert.equal(srv.received.length, 1, 'sent once, never again');
  assert.equal(spool.count, 0);
  assert.ok(log.lines.some((l) => l.includes('HTTP 400: snapshots.0.ts: too old')));
});

test('a resend after a timeout carries the same batch id (the server absorbs it)', async (t) => {
  const srv = await fakeServer((n) => ({ status: 200, delayMs: n === 1 ? 600 : 0 }));
  t.after(srv.close);
  const spool = new Spool(tempDir(), 1e6, memoryLogger());
  const s = shipper(srv.url, spool, memoryLogger(), 200);
  s.enqueue(snap(1_790_000_000));
  await s.flush();
  assert.equal(spool.count, 1, 'timed out: kept in the spool');
  await new Promise((r) => setTimeout(r, 50));
  await s.flush({ force: true });
  assert.equal(spool.count, 0);
  assert.equal(srv.received.length, 2);
  assert.equal(srv.received[0].batch.batch_id, srv.received[1].batch.batch_id);
});

test('a refusal about where or how it was sent (redirect, revoked token, proxy, wrong path, host conflict, newer protocol) keeps the batch; one about the batch drops it', async (t) => {
  const cases: [number, string, boolean, Record<string, string>?][] = [
    [301, '', true, { location: 'https://berth.example/api/v1/ingest' }],
    [401, '{"error":"unknown token"}', true],
    [403, '<html>Forbidden by policy</html>', true],
    [404, '{"error":"no route for POST /api/v1/ingest"}', true],
    [409, '{"error":"agent.host: host name \\"h\\" already belongs to another machine"}', true],
    [400, '{"error":"v: protocol version 3 is not one this server takes (1 or 2)"}', true],
    [400, '{"error":"snapshots.0.ts: more than a day in the future"}', false],
    [413, '{"error":"body larger than 8388608 bytes"}', false],
  ];
  for (const [status, body, kept, headers] of cases) {
    const { spool, log } = await sendOne(t, () => ({ status, body, headers }));
    assert.equal(spool.count, kept ? 1 : 0, `${status} ${body}: ${kept ? 'kept' : 'dropped'}`);
    if (status === 301)
      assert.ok(
        log.lines.some((l) => l.includes('redirected to https://berth.example/api/v1/ingest')),
        log.lines.join('\n'),
      );
  }
});

test('a 200 that is not a Berth answer (a web page at --server) is not taken for delivered', async (t) => {
  const { spool, log } = await sendOne(t, () => ({
    status: 200,
    body: '<!doctype html><title>Welcome to nginx!</title>',
  }));
  assert.equal(spool.count, 1);
  assert.ok(log.lines.some((l) => /not a Berth server's answer/.test(l)));
});

test('the token never reaches the log, even from a server that echoes it, and control characters are escaped', async (t) => {
  const { log } = await sendOne(t, (_n, _b, auth) => ({ status: 502, body: `bad gateway for ${auth}\u001b[31m\r` }));
  const text = log.lines.join('\n');
  assert.ok(text.includes('bad gateway for Bearer [token]'), text);
  assert.ok(!text.includes('secret-token'));
  assert.ok(
    !/[\u001b\r]/.test(text) && text.includes('\\x1b'),
    'escape sequences are written out, not passed to the terminal',
  );
});

test('a spool that cannot be written (disk full, read-only): batches are kept in memory and sent, and spooled again once it can', async (t) => {
  let up = false;
  const srv = await fakeServer(() => (up ? { status: 200 } : { status: 503, body: '{"error":"busy"}' }));
  t.after(srv.close);
  const dir = tempDir();
  const spool = new Spool(dir, 1e6, memoryLogger());
  const log = memoryLogger();
  const s = shipper(srv.url, spool, log);
  // The folder becomes a file: every write into it fails (ENOTDIR), as on a full or read-only disk.
  fs.rmSync(dir, { recursive: true });
  fs.writeFileSync(dir, '');
  s.enqueue(snap(1_790_000_000));
  await s.flush();
  s.enqueue(snap(1_790_000_010));
  await s.flush({ force: true });
  assert.equal(s.inMemory, 2, 'nothing lost while the server is down and the disk will not take it');
  assert.equal(log.lines.filter((l) => /cannot write the spool/.test(l)).length, 1, 'said once');
  // The disk recovers: the batches go to the spool first, in order; then the server too.
  fs.rmSync(dir);
  fs.mkdirSync(dir);
  await s.flush({ force: true });
  assert.deepEqual([s.inMemory, spool.count], [0, 2]);
  up = true;
  const sentBefore = srv.received.length;
  await s.flush({ force: true });
  assert.equal(spool.count, 0);
  assert.deepEqual(
    srv.received.slice(sentBefore).flatMap((r) => r.batch.host!.ts),
    [1_790_000_000, 1_790_000_010],
    'both, in order',
  );
  // A spool that stays unwritable: sent straight from memory.
  fs.rmSync(dir, { recursive: true });
  fs.writeFileSync(dir, '');
  s.enqueue(snap(1_790_000_020));
  await s.flush({ force: true });
  assert.equal(s.inMemory, 0);
  assert.equal(srv.received.at(-1)!.batch.host!.ts[0], 1_790_000_020);
  fs.rmSync(dir);
});

test('batches held in memory are each sent, none lost, when a flush comes while they are being sent', async (t) => {
  let up = false;
  const srv = await fakeServer(() => (up ? { status: 200, delayMs: 100 } : { status: 503, body: '{"error":"busy"}' }));
  t.after(srv.close);
  const dir = tempDir();
  const spool = new Spool(dir, 1e6, memoryLogger());
  const s = shipper(srv.url, spool, memoryLogger());
  fs.rmSync(dir, { recursive: true });
  fs.writeFileSync(dir, '');
  for (let i = 0; i < 3; i++) {
    s.enqueue(snap(1_790_000_000 + i));
    await s.flush({ force: true });
  }
  assert.equal(s.inMemory, 3);
  // The server answers again, slowly; the disk too, while the first batch is on its way.
  up = true;
  const sending = s.flush({ force: true });
  await new Promise((r) => setTimeout(r, 30));
  fs.rmSync(dir);
  fs.mkdirSync(dir);
  s.enqueue(snap(1_790_000_003));
  await s.flush();
  await sending;
  await s.flush({ force: true });
  const got = new Set(srv.received.filter((r) => r.batch.host).map((r) => r.batch.host!.ts[0]));
  assert.deepEqual(
    [...got].sort(),
    [0, 1, 2, 3].map((i) => 1_790_000_000 + i),
  );
  assert.deepEqual([s.inMemory, spool.count], [0, 0]);
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
});
