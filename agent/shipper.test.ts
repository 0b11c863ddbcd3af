// Delivery against a real HTTP server on loopback that fails in the ways real servers do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import zlib from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { Shipper } from './shipper.ts';
import { Spool } from './spool.ts';
import { memoryLogger } from './log.ts';
import { tempDir } from '../test/support/server.ts';
import type { ColumnBatch as Batch } from '../protocol/batch.ts';

interface Received {
  batch: Batch;
  encoding: string | undefined;
  auth: string | undefined;
}

async function fakeServer(answer: (n: number, b: Batch) => { status: number; body?: string; delayMs?: number }) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const batch = JSON.parse(zlib.gunzipSync(Buffer.concat(chunks)).toString()) as Batch;
      received.push({ batch, encoding: req.headers['content-encoding'], auth: req.headers.authorization });
      const a = answer(received.length, batch);
      setTimeout(() => {
        res.writeHead(a.status, { 'content-type': 'application/json' });
        res.end(a.body ?? '{"ok":true}');
      }, a.delayMs ?? 0);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, received, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

const snap = (ts: number) => ({ ts, host: { cpu_pct: ts % 100 }, containers: [], series: [] });

function shipper(url: string, spool: Spool, log = memoryLogger(), timeoutMs = 2000) {
  return new Shipper({ server: url, token: 'secret-token', agent: { host: 'h' }, spool, log, minBackoff: 0.01, maxBackoff: 0.02, timeoutMs });
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
  const srv = await fakeServer(() => ({ status: failing ? 503 : 200, body: '{"error":"busy"}' }));
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
  const delivered = srv.received.filter((_, i) => i >= srv.received.length - 5).map((r) => r.batch.host?.ts[0]);
  assert.deepEqual(delivered, [0, 1, 2, 3, 4].map((i) => 1_790_000_000 + i), 'replayed oldest first');
  assert.ok(log.lines.some((l) => /send failed: HTTP 503: busy/.test(l)), 'the failure is logged with the server message');
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

test('a 4xx is logged with the server message and not retried', async (t) => {
  const srv = await fakeServer(() => ({ status: 400, body: '{"error":"snapshots.0.ts: too old"}' }));
  t.after(srv.close);
  const spool = new Spool(tempDir(), 1e6, memoryLogger());
  const log = memoryLogger();
  const s = shipper(srv.url, spool, log);
  s.enqueue(snap(1_790_000_000));
  await s.flush();
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
