import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import zlib from 'node:zlib';
import { httpPost } from './http-post.ts';
import { fakeClock } from '../test/support/fake-clock.ts';

async function server(handler: http.RequestListener): Promise<{ url: string; close(): Promise<void> }> {
  const s = http.createServer(handler);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(s.address() as net.AddressInfo).port}`;
  return {
    url,
    close: () =>
      new Promise<void>((r) => {
        s.closeAllConnections();
        s.close(() => r());
      }),
  };
}

test('httpPost: the body arrives whole with its headers; status and answer come back', async (t) => {
  let got: { method?: string; path?: string; headers?: http.IncomingHttpHeaders; body?: string } = {};
  const s = await server((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got = {
        method: req.method,
        path: req.url,
        headers: req.headers,
        body: zlib.gunzipSync(Buffer.concat(chunks)).toString(),
      };
      res.writeHead(202, { 'content-type': 'application/json' }).end('{"accepted":1}');
    });
  });
  t.after(() => s.close());
  const body = zlib.gzipSync(JSON.stringify({ hello: 'x'.repeat(100_000) }));
  const a = await httpPost(`${s.url}/api/v1/ingest`, {
    headers: { authorization: 'Bearer t', 'content-encoding': 'gzip' },
    body,
    timeoutMs: 5000,
  });
  assert.deepEqual(a, { status: 202, text: '{"accepted":1}' });
  assert.equal(got.method, 'POST');
  assert.equal(got.path, '/api/v1/ingest');
  assert.equal(got.headers?.authorization, 'Bearer t');
  assert.equal(got.headers?.['content-length'], String(body.length));
  assert.equal(JSON.parse(got.body!).hello.length, 100_000);
});

test('httpPost: an error status is an answer, not a failure', async (t) => {
  const s = await server((_req, res) => res.writeHead(503).end('{"error":"busy"}'));
  t.after(() => s.close());
  assert.deepEqual(await httpPost(s.url, { headers: {}, body: new Uint8Array(3), timeoutMs: 5000 }), {
    status: 503,
    text: '{"error":"busy"}',
  });
});

test('httpPost: nobody listening rejects with the socket error code', async () => {
  const s = await server(() => {});
  const url = s.url;
  await s.close();
  await assert.rejects(httpPost(url, { headers: {}, body: new Uint8Array(1), timeoutMs: 5000 }), {
    code: 'ECONNREFUSED',
  });
});

test('httpPost: a server that never answers fails with a TimeoutError at the deadline', async (t) => {
  let arrived!: () => void;
  const requested = new Promise<void>((r) => (arrived = r));
  const s = await server(() => arrived());
  t.after(() => s.close());
  const clock = fakeClock();
  let failed: Error | undefined;
  const failure = () => failed;
  const posting = httpPost(s.url, { headers: {}, body: new Uint8Array(1), timeoutMs: 300, clock }).catch(
    (e: Error) => void (failed = e),
  );
  await requested;
  clock.advance(299);
  await new Promise((r) => setImmediate(r));
  assert.equal(failure(), undefined, 'still waiting 1 ms before the deadline');
  clock.advance(1);
  await posting;
  assert.equal(failure()?.name, 'TimeoutError', String(failure()));
  assert.match(String(failure()?.message), /no complete answer within 300 ms/);
});

test('httpPost: batches sent in quick succession share one connection; one the server closed is not reused', async (t) => {
  let connections = 0;
  const s = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(202).end('{}'));
  });
  s.on('connection', () => connections++);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => (s.closeAllConnections(), s.close(() => r()))));
  const url = `http://127.0.0.1:${(s.address() as net.AddressInfo).port}/api/v1/ingest`;
  const post = () => httpPost(url, { headers: {}, body: new Uint8Array(10), timeoutMs: 5000 });
  for (let i = 0; i < 3; i++) assert.equal((await post()).status, 202);
  assert.equal(connections, 1);
  // The server drops idle connections (its keep-alive ran out): the next send still arrives.
  s.closeIdleConnections();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal((await post()).status, 202);
  assert.equal(connections, 2);
});

test('httpPost: a kept connection reset before any answer is retried once on a new one', async (t) => {
  const perSocket = new WeakMap<object, number>();
  let answered = 0;
  const s = http.createServer((req, res) => {
    const n = (perSocket.get(req.socket) ?? 0) + 1;
    perSocket.set(req.socket, n);
    // The second request on a connection: the server is closing it, as at the end of its keep-alive.
    if (n === 2) return req.socket.destroy();
    req.resume();
    req.on('end', () => (answered++, res.writeHead(202).end('{}')));
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => (s.closeAllConnections(), s.close(() => r()))));
  const url = `http://127.0.0.1:${(s.address() as net.AddressInfo).port}/`;
  const post = () => httpPost(url, { headers: {}, body: new Uint8Array(10), timeoutMs: 5000 });
  assert.equal((await post()).status, 202);
  assert.equal((await post()).status, 202);
  assert.equal(answered, 2);
  // A reset on a new connection is the server's answer to this request: not retried.
  const fresh = http.createServer((req) => req.socket.destroy());
  await new Promise<void>((r) => fresh.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => fresh.close(() => r())));
  await assert.rejects(
    httpPost(`http://127.0.0.1:${(fresh.address() as net.AddressInfo).port}/`, {
      headers: {},
      body: new Uint8Array(1),
      timeoutMs: 5000,
    }),
    { code: 'ECONNRESET' },
  );
});
