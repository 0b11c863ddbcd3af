// The shipper on the wire, against a real HTTP server on loopback: what a batch looks like
// there, and what of the server's answer reaches the log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import zlib from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { Shipper } from './shipper.ts';
import { Outbox } from './outbox.ts';
import { Spool } from './spool.ts';
import { memoryLogger } from '../lib/log.ts';
import { tempDir } from '../test/support/temp.ts';
import type { ColumnBatch } from '../protocol/batch.ts';

const T0 = 1_790_000_000;
const snap = (ts: number) => ({ ts, host: { cpu_pct: ts % 100 }, containers: [], series: [] });
const decode = (body: Uint8Array) => JSON.parse(zlib.gunzipSync(body).toString()) as ColumnBatch;

async function realServer(
  answer: (auth?: string) => { status: number; body?: string; headers?: Record<string, string> },
) {
  const received: { batch: ColumnBatch; encoding?: string; auth?: string; type?: string }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const h = req.headers;
      received.push({
        batch: decode(Buffer.concat(chunks)),
        encoding: h['content-encoding'],
        auth: h.authorization,
        type: h['content-type'],
      });
      const a = answer(req.headers.authorization);
      res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers }).end(a.body ?? '{"ok":true}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const log = memoryLogger();
  const outbox = new Outbox(new Spool(tempDir(), 1e6, memoryLogger()), log);
  const s = new Shipper({ server: url, token: 'secret-token', agent: { host: 'h' }, outbox, log });
  const close = () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r())));
  return { s, log, outbox, received, close };
}

test('gzip JSON (protocol v2) with a bearer token and a batch id', async (t) => {
  const srv = await realServer(() => ({ status: 200 }));
  t.after(srv.close);
  srv.s.enqueue(snap(T0));
  await srv.s.flush();
  const [r] = srv.received;
  assert.deepEqual([r.encoding, r.type, r.auth], ['gzip', 'application/json', 'Bearer secret-token']);
  assert.match(r.batch.batch_id, /^[0-9a-f-]{36}$/);
  assert.equal(r.batch.v, 2);
  assert.deepEqual(r.batch.host?.ts, [T0]);
  assert.equal(srv.outbox.count, 0);
});

test('a redirect is named in the log, a token the server echoes is not, nor are its control characters', async (t) => {
  let n = 0;
  const srv = await realServer((auth) =>
    ++n === 1
      ? { status: 301, body: '', headers: { location: 'https://berth.example/api/v1/ingest' } }
      : { status: 502, body: `bad gateway for ${auth}\u001b[31m\r` },
  );
  t.after(srv.close);
  srv.s.enqueue(snap(T0));
  await srv.s.flush({ force: true });
  await srv.s.flush({ force: true });
  const text = srv.log.lines.join('\n');
  assert.ok(text.includes('redirected to https://berth.example/api/v1/ingest: point --server there'), text);
  assert.ok(text.includes('bad gateway for Bearer [token]\\x1b[31m\\x0d'), text);
  assert.ok(!text.includes('secret-token') && !/[\u001b\r]/.test(text));
  assert.equal(srv.outbox.count, 1, 'kept');
});

test('nobody listening: the batch is kept and the failure said once', async () => {
  const srv = await realServer(() => ({ status: 200 }));
  await srv.close();
  srv.s.enqueue(snap(T0));
  await srv.s.flush();
  assert.equal(srv.outbox.count, 1);
  assert.equal(srv.log.lines.length, 1);
  assert.match(
    srv.log.lines[0],
    /^warn send failed: cannot reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\); 1 batch kept/,
  );
});
