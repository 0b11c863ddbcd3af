// The follower against an engine on a unix socket that streams what the test writes, ends the
// stream, refuses, or is not there at all; reconnection waits come from fake timers the test
// fires, so nothing here sleeps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import type { ContainerEvent } from '../../protocol/batch.ts';
import { memoryLogger } from '../../lib/log.ts';
import { DockerEventFollower, reconnectDelay } from './event-follower.ts';
import { fakeClock } from '../../test/support/fake-clock.ts';

const fixture = (name: string) =>
  readFileSync(new URL(`./testdata/events-${name}.jsonl`, import.meta.url), 'utf8')
    .split('\n')
    .filter(Boolean);

/** An engine that answers /version and holds each /events request open for the test to write to. */
async function streamingEngine() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-events-'));
  const socketPath = path.join(dir, 'docker.sock');
  const requests: string[] = [];
  /** What GET /containers/json?all=1 answers, and each container's image id for its inspect. */
  const containers: object[] = [];
  const imageIds = new Map<string, string>();
  let stream: http.ServerResponse | undefined;
  let waiting: (() => void)[] = [];
  let refuse: { status: number; message: string } | undefined;
  const server = http.createServer((req, res) => {
    const url = req.url ?? '';
    if (url === '/version') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ApiVersion: '1.41', Version: '20.10.24' }));
      return;
    }
    const inspect = /^\/v1\.41\/containers\/([^/]+)\/json$/.exec(url);
    if (url === '/v1.41/containers/json?all=1' || inspect) {
      const image = inspect && imageIds.get(inspect[1]);
      res.writeHead(inspect && !image ? 404 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(inspect ? (image ? { Image: image } : { message: 'No such container' }) : containers));
      return;
    }
    requests.push(url);
    if (refuse) {
      res.writeHead(refuse.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: refuse.message }));
    } else {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders();
      stream = res;
    }
    const w = waiting;
    waiting = [];
    for (const f of w) f();
  });
  await new Promise<void>((r) => server.listen(socketPath, r));
  return {
    socketPath,
    requests,
    containers,
    imageIds,
    /** Resolves once the engine has had `n` event requests. */
    requested(n: number): Promise<void> {
      return new Promise((resolve) => {
        const check = () => (requests.length >= n ? resolve() : waiting.push(check));
        check();
      });
    },
    write(text: string) {
      stream!.write(text);
    },
    endStream() {
      stream!.end();
      stream = undefined;
    },
    refuseWith(status: number, message: string) {
      refuse = { status, message };
    },
    accept() {
      refuse = undefined;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A fake clock, and the reconnection it holds fired by hand. */
function fakeTimers() {
  const clock = fakeClock();
  return {
    clock,
    /** Reconnections waiting. */
    get pending(): number[] {
      return clock.armed;
    },
    /** Fires the one reconnection waiting; returns how long it was meant to wait. */
    fire(): number {
      assert.equal(clock.armed.length, 1, 'one reconnection is scheduled');
      const wait = clock.armed[0] - clock.now();
      clock.advance(wait);
      return wait;
    },
  };
}

/** Waits (on I/O, not on a clock) until `cond` holds. */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (cond()) return;
    await new Promise((r) => setImmediate(r));
  }
  assert.fail(`never: ${what}`);
}

const sinceOf = (url: string) => new URLSearchParams(url.split('?')[1]).get('since');

test('follows the stream: lines split across writes, in order, asked since the time given', async (t) => {
  const engine = await streamingEngine();
  t.after(() => engine.close());
  const clock = fakeTimers();
  const log = memoryLogger();
  const f = new DockerEventFollower({
    socketPath: engine.socketPath,
    log,
    since: 1796634235000000000n,
    clock: clock.clock,
  });
  const got: ContainerEvent[] = [];
  const connected: boolean[] = [];
  f.subscribe({ event: (e) => got.push(e), connected: (i) => connected.push(i.reconnect) });
  f.start();
  t.after(() => f.stop());
  await engine.requested(1);
  assert.match(engine.requests[0], /^\/v1\.41\/events\?/);
  assert.equal(sinceOf(engine.requests[0]), '1796634235.000000000');
  assert.deepEqual(JSON.parse(new URLSearchParams(engine.requests[0].split('?')[1]).get('filters')!), {
    type: ['container'],
  });
  await until(() => connected.length === 1, 'connected');
  const text = fixture('oom').join('\n') + '\n';
  // Cut inside a line and inside a multi-byte character's neighbourhood: the follower joins them.
  engine.write(text.slice(0, 333));
  engine.write(text.slice(333, 1200));
  engine.write(text.slice(1200));
  await until(() => got.length === 5, 'five events');
  assert.deepEqual(
    got.map((e) => e.type),
    ['create', 'start', 'oom', 'die', 'destroy'],
  );
  assert.deepEqual(connected, [false]);
  assert.equal(f.connected, true);
  assert.equal(clock.pending.length, 0, 'nothing scheduled while the stream is open');
});

test('a broken stream is asked for again since the newest event, and what comes twice is dropped', async (t) => {
  const engine = await streamingEngine();
  t.after(() => engine.close());
  const clock = fakeTimers();
  const log = memoryLogger();
  const f = new DockerEventFollower({ socketPath: engine.socketPath, log, clock: clock.clock, minBackoffMs: 500 });
  const got: string[] = [];
  const seen: string[] = [];
  f.subscribe({
    event: (e) => got.push(e.type),
    connected: (i) => seen.push(i.reconnect ? 'reconnected' : 'connected'),
    disconnected: () => seen.push('disconnected'),
  });
  f.start();
  t.after(() => f.stop());
  await engine.requested(1);
  const loop = fixture('restart-loop');
  engine.write(loop.slice(0, 4).join('\n') + '\n');
  await until(() => got.length === 4, 'four events');
  engine.endStream();
  await until(() => clock.pending.length === 1, 'a reconnection scheduled');
  assert.equal(f.connected, false);
  assert.equal(clock.fire(), 500, 'the first retry after a stream that was open waits the least');
  await engine.requested(2);
  const lastTime = /"timeNano":(\d+)/.exec(loop[3])![1];
  assert.equal(sinceOf(engine.requests[1]), `${lastTime.slice(0, -9)}.${lastTime.slice(-9)}`, 'since the newest seen');
  // The engine answers since with the event at that very time too.
  engine.write(loop.slice(3).join('\n') + '\n');
  await until(() => got.length === loop.length, 'the rest');
  assert.deepEqual(got.join(' '), 'create start die start die start die start kill die destroy');
  assert.deepEqual(seen, ['connected', 'disconnected', 'reconnected']);
  assert.ok(log.lines.some((l) => /warn docker events: the engine ended the stream; asking again from/.test(l)));
  assert.ok(log.lines.some((l) => /info docker events: following again/.test(l)));
});

test('no engine: retries with growing waits, says so once, and follows once it answers', async (t) => {
  const engine = await streamingEngine();
  t.after(() => engine.close());
  const missing = path.join(path.dirname(engine.socketPath), 'not-yet.sock');
  const clock = fakeTimers();
  const log = memoryLogger();
  const f = new DockerEventFollower({
    socketPath: missing,
    log,
    clock: clock.clock,
    minBackoffMs: 500,
    maxBackoffMs: 4000,
  });
  let connected = 0;
  f.subscribe({ connected: () => connected++ });
  f.start();
  t.after(() => f.stop());
  const waits: number[] = [];
  for (let i = 0; i < 5; i++) {
    await until(() => clock.pending.length === 1, `retry ${i}`);
    waits.push(clock.fire());
  }
  assert.deepEqual(waits, [500, 1000, 2000, 4000, 4000]);
  assert.equal(
    log.lines.filter((l) => /cannot follow the engine's events \(no Docker socket at/.test(l)).length,
    1,
    'the same reason said once',
  );
  // The engine appears where the follower looks.
  fs.renameSync(engine.socketPath, missing);
  await until(() => clock.pending.length === 1, 'the next retry');
  clock.fire();
  await until(() => connected === 1, 'connected');
  assert.equal(engine.requests.length, 1);
});

test('an engine that refuses the request: its message in the log, asked again later', async (t) => {
  const engine = await streamingEngine();
  t.after(() => engine.close());
  engine.refuseWith(500, 'events are off\u001b[31m today');
  const clock = fakeTimers();
  const log = memoryLogger();
  const f = new DockerEventFollower({ socketPath: engine.socketPath, log, clock: clock.clock });
  f.start();
  t.after(() => f.stop());
  await until(() => clock.pending.length === 1, 'a retry');
  assert.ok(
    log.lines.some((l) => l.includes('GET /v1.41/events: 500 events are off\\x1b[31m today')),
    `the engine's message, escaped: ${log.lines.join('\n')}`,
  );
  engine.accept();
  clock.fire();
  await engine.requested(2);
  await until(() => f.connected, 'connected');
});

test('a line that is not an event is skipped and the stream goes on; a subscriber that throws harms no other', async (t) => {
  const engine = await streamingEngine();
  t.after(() => engine.close());
  const clock = fakeTimers();
  const log = memoryLogger();
  const f = new DockerEventFollower({ socketPath: engine.socketPath, log, clock: clock.clock });
  const got: string[] = [];
  f.subscribe({
    event: () => {
      throw new Error('boom');
    },
  });
  f.subscribe({ event: (e) => got.push(e.type) });
  f.start();
  t.after(() => f.stop());
  await engine.requested(1);
  const [create, , start] = fixture('exits');
  engine.write(`${create}\n{"not": "an event"}\n\u0000garbage\n${start}\n`);
  await until(() => got.length === 2, 'two events');
  assert.deepEqual(got, ['create', 'start']);
  assert.equal(f.stats.badLines, 2);
  assert.equal(log.lines.filter((l) => l.includes('skipped a line')).length, 1);
  assert.ok(log.lines.some((l) => l.includes('a subscriber failed on event: boom')));
  assert.equal(f.connected, true);
});

test('stop() ends the stream and schedules nothing', async (t) => {
  const engine = await streamingEngine();
  t.after(() => engine.close());
  const clock = fakeTimers();
  const f = new DockerEventFollower({ socketPath: engine.socketPath, log: memoryLogger(), clock: clock.clock });
  f.start();
  await engine.requested(1);
  await until(() => f.connected, 'connected');
  f.stop();
  await new Promise((r) => setImmediate(r));
  assert.equal(f.connected, false);
  assert.equal(clock.pending.length, 0);
});

test('the same tag pulled anew is a deploy: image ids from the container list and the new one’s inspect', async (t) => {
  const engine = await streamingEngine();
  t.after(() => engine.close());
  const [old, fresh] = ['a', 'b'].map((c) => c.repeat(64));
  // Running since before the agent: only the list knows what it runs.
  engine.containers.push({ Id: old, Names: ['/web'], Image: 'nginx:latest', ImageID: `sha256:${'1'.repeat(64)}` });
  engine.imageIds.set(fresh, `sha256:${'2'.repeat(64)}`);
  const f = new DockerEventFollower({ socketPath: engine.socketPath, log: memoryLogger(), clock: fakeTimers().clock });
  const got: ContainerEvent[] = [];
  f.subscribe({ event: (e) => got.push(e) });
  f.start();
  t.after(() => f.stop());
  await engine.requested(1);
  const line = (id: string, action: string, n: number) =>
    JSON.stringify({
      Type: 'container',
      Action: action,
      Actor: { ID: id, Attributes: { name: 'web', image: 'nginx:latest' } },
      time: 1796634235,
      timeNano: 1796634235000000000 + n * 1_000_000,
    });
  // docker rm -f web; docker pull nginx:latest; docker run --name web nginx:latest
  engine.write([line(old, 'destroy', 1), line(fresh, 'create', 2), line(fresh, 'start', 3)].join('\n') + '\n');
  await until(() => got.length === 4, 'four events');
  assert.deepEqual(
    got.map((e) => e.type),
    ['destroy', 'create', 'deploy', 'start'],
  );
  assert.deepEqual(got[2].attrs, {
    previous_image: 'nginx:latest',
    previous_image_id: '111111111111',
    image_id: '222222222222',
  });
  assert.equal(got[2].image, 'nginx:latest');
});

test('reconnectDelay doubles up to its cap', () => {
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 60].map((n) => reconnectDelay(n, 500, 8000)),
    [500, 1000, 2000, 4000, 8000, 8000, 8000],
  );
});
