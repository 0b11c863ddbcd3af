// The engine client against a mock engine on a unix socket serving recorded answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SourceMissing } from '../source-missing.ts';
import { mockEngine, type MockAnswer } from '../../test/support/docker.ts';
import { DEFAULT_DOCKER_SOCKET, DockerClient, mapPool, negotiateApiVersion, resolveDockerSocket } from './client.ts';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8'));

const BUSY = '15217165ed43945c35e11d0c0a76c550fee6db499282aeba2fba11074feb271c';

/** Routes of a Docker 20.10 engine: /version, the container list, stats of the busy container. */
function engine2010(path: string): MockAnswer {
  if (path === '/version') return { body: fixture('version-v1.41.json') };
  if (path === '/v1.41/containers/json') return { body: fixture('containers-v1.41.json') };
  if (path.startsWith(`/v1.41/containers/${BUSY}/stats`)) return { body: fixture('stats-v1-busy-1.json') };
  if (path.startsWith('/v1.41/containers/gone409/stats'))
    return { status: 409, body: { message: 'container gone409 is not running' } };
  if (path.startsWith('/v1.41/containers/broken/stats')) return { raw: '{"read": "2026-' };
  if (path.startsWith('/v1.41/containers/boom/stats')) return { status: 500, body: { message: 'cgroup read failed' } };
  if (path.startsWith('/v1.41/containers/gone-plain/stats')) return { status: 404, raw: '404 page not found\n' };
  return { status: 404, body: fixture('error-404-no-such-container.json') };
}

test('resolveDockerSocket: flag, then DOCKER_HOST=unix://, then the default', () => {
  assert.equal(resolveDockerSocket('/run/x.sock', { DOCKER_HOST: 'unix:///other.sock' }), '/run/x.sock');
  assert.equal(
    resolveDockerSocket(undefined, { DOCKER_HOST: 'unix:///run/user/1000/docker.sock' }),
    '/run/user/1000/docker.sock',
  );
  assert.equal(resolveDockerSocket(undefined, {}), DEFAULT_DOCKER_SOCKET);
  assert.equal(resolveDockerSocket('', { DOCKER_HOST: '  ' }), DEFAULT_DOCKER_SOCKET);
  assert.throws(
    () => resolveDockerSocket(undefined, { DOCKER_HOST: 'tcp://10.0.0.5:2375' }),
    /only unix:\/\/ sockets.*--docker-socket/,
  );
  assert.throws(() => resolveDockerSocket(undefined, { DOCKER_HOST: 'unix://relative.sock' }), /absolute/);
  // The flag written as DOCKER_HOST is, and "unix://" alone, as the docker CLI reads them.
  assert.equal(resolveDockerSocket('unix:///run/podman/podman.sock', {}), '/run/podman/podman.sock');
  assert.equal(resolveDockerSocket(undefined, { DOCKER_HOST: 'unix://' }), DEFAULT_DOCKER_SOCKET);
});

test('negotiateApiVersion: the engine’s version, capped at the newest we know', () => {
  assert.equal(negotiateApiVersion('1.41'), '1.41');
  assert.equal(negotiateApiVersion('1.26'), '1.26');
  assert.equal(negotiateApiVersion('1.50'), '1.47');
  assert.equal(negotiateApiVersion('1.9', '1.47'), '1.9', 'numeric, not string, comparison');
  assert.throws(() => negotiateApiVersion(undefined), /no usable ApiVersion/);
  assert.throws(() => negotiateApiVersion('v1'), /no usable ApiVersion/);
});

test('API 1.41: versioned paths, one-shot stats, /version asked once, one kept-alive connection', async (t) => {
  const mock = await mockEngine(engine2010);
  const client = new DockerClient({ socketPath: mock.socketPath });
  t.after(async () => {
    client.close();
    await mock.close();
  });

  const list = await client.listContainers();
  assert.deepEqual(list.map((c) => c.Names?.[0]).sort(), ['/idle-sleeper', '/shop-client-1', '/shop-web-1']);
  const r = await client.containerStats(BUSY);
  assert.ok('stats' in r);
  assert.equal(r.stats.name, '/shop-web-1');
  await client.listContainers();

  assert.deepEqual(mock.requests, [
    '/version',
    '/v1.41/containers/json',
    `/v1.41/containers/${BUSY}/stats?stream=false&one-shot=true`,
    '/v1.41/containers/json',
  ]);
  assert.equal(mock.connections(), 1, 'sequential calls reuse one connection');
});

test('API 1.26 engine: no one-shot parameter', async (t) => {
  const mock = await mockEngine((p) =>
    p === '/version' ? { body: fixture('version-v1.26.json') } : { body: fixture('stats-old-api1.26-1.json') },
  );
  const client = new DockerClient({ socketPath: mock.socketPath });
  t.after(async () => {
    client.close();
    await mock.close();
  });
  await client.containerStats('abc');
  assert.equal(mock.requests[1], '/v1.26/containers/abc/stats?stream=false');
});

test('a newer engine is spoken to in our newest version', async (t) => {
  const mock = await mockEngine((p) =>
    p === '/version' ? { body: { ApiVersion: '1.50', Version: '28.2.2' } } : { body: [] },
  );
  const client = new DockerClient({ socketPath: mock.socketPath });
  t.after(async () => {
    client.close();
    await mock.close();
  });
  assert.deepEqual(await client.listContainers(), []);
  assert.equal(mock.requests[1], '/v1.47/containers/json');
});

test('an engine that answers /version without an ApiVersion (still starting) is asked again next time', async (t) => {
  let starting = true;
  const mock = await mockEngine((p) =>
    p === '/version' ? { body: starting ? { message: 'starting' } : fixture('version-v1.41.json') } : { body: [] },
  );
  const client = new DockerClient({ socketPath: mock.socketPath });
  t.after(async () => {
    client.close();
    await mock.close();
  });
  await assert.rejects(client.listContainers(), /no usable ApiVersion/);
  starting = false;
  assert.deepEqual(await client.listContainers(), []);
  assert.deepEqual(mock.requests, ['/version', '/version', '/v1.41/containers/json']);
});

test('stats outcomes: vanished containers are quietly gone, others are errors naming the call', async (t) => {
  const mock = await mockEngine(engine2010);
  const client = new DockerClient({ socketPath: mock.socketPath });
  t.after(async () => {
    client.close();
    await mock.close();
  });
  const [busy, gone404, gone409, broken, boom, plain] = await client.statsAll([
    BUSY,
    'gone404',
    'gone409',
    'broken',
    'boom',
    'gone-plain',
  ]);
  assert.ok(busy && 'stats' in busy);
  assert.deepEqual(gone404, { id: 'gone404', gone: true });
  assert.deepEqual(gone409, { id: 'gone409', gone: true });
  assert.ok(broken && 'error' in broken);
  assert.match(broken.error.message, /GET \/v1\.41\/containers\/broken\/stats.*not JSON/);
  assert.ok(boom && 'error' in boom);
  assert.match(boom.error.message, /500 cgroup read failed/);
  assert.deepEqual(plain, { id: 'gone-plain', gone: true }, 'a 404 whose body is not JSON is still gone');
});

test('Podman (compat API): known as Podman from /version; a container stopped since listing is gone, not an error', async (t) => {
  const mock = await mockEngine((p) => {
    if (p === '/version') return { body: fixture('version-podman5.json') };
    if (p.startsWith('/v1.41/containers/stopped/stats'))
      return { status: 500, body: fixture('error-500-podman-state-improper.json') };
    // Podman writes its 200 before it reads the cgroup, and nothing after when that fails.
    if (p.startsWith('/v1.41/containers/emptied/stats')) return { raw: '' };
    if (p.startsWith('/v1.41/containers/boom/stats'))
      return {
        status: 500,
        body: { cause: 'io error', message: 'failed to obtain Container boom stats: io error', response: 500 },
      };
    return { body: fixture('stats-podman5-busy-1.json') };
  });
  const client = new DockerClient({ socketPath: mock.socketPath });
  t.after(async () => {
    client.close();
    await mock.close();
  });
  assert.equal(client.engine, 'docker', 'Docker until the engine has said otherwise');
  const [busy, stopped, emptied, boom] = await client.statsAll(['busy', 'stopped', 'emptied', 'boom']);
  assert.equal(client.engine, 'podman');
  assert.ok(busy && 'stats' in busy);
  assert.deepEqual(stopped, { id: 'stopped', gone: true });
  assert.deepEqual(emptied, { id: 'emptied', gone: true });
  assert.ok(boom && 'error' in boom, 'any other 500 is still an error');
});

test('an answer that is not a list of containers is an error', async (t) => {
  const mock = await mockEngine((p) =>
    p === '/version' ? { body: fixture('version-v1.41.json') } : { body: { message: 'odd' } },
  );
  const client = new DockerClient({ socketPath: mock.socketPath });
  t.after(async () => {
    client.close();
    await mock.close();
  });
  await assert.rejects(client.listContainers(), /containers\/json: expected a JSON array/);
});

test('statsAll keeps at most `concurrency` calls in flight', async (t) => {
  const ids = Array.from({ length: 20 }, (_, i) => `c${i}`);
  for (const [concurrency, expected] of [
    [4, 4],
    [32, 20],
  ] as const) {
    // Each answer waits until `expected` calls are waiting together, then a little longer: a
    // client that keeps fewer out shows, however slowly a busy machine lets it send them, and
    // one that sends more has the extra call in flight beside them.
    let waiting: (() => void)[] = [];
    const route = async (p: string): Promise<MockAnswer> => {
      if (p === '/version') return { body: fixture('version-v1.41.json') };
      await new Promise<void>((release) => {
        waiting.push(release);
        if (waiting.length >= expected) {
          const wave = waiting;
          waiting = [];
          setTimeout(() => wave.forEach((r) => r()), 50);
        }
      });
      return { body: fixture('stats-v1-busy-1.json') };
    };
    const mock = await mockEngine(route);
    const client = new DockerClient({ socketPath: mock.socketPath, concurrency });
    t.after(async () => {
      client.close();
      await mock.close();
    });
    const results = await client.statsAll(ids);
    assert.equal(results.length, 20);
    assert.deepEqual(
      results.map((r) => r.id),
      ids,
      'results in input order',
    );
    assert.equal(mock.maxInFlight(), expected, `concurrency ${concurrency}`);
  }
  t.diagnostic('bounded pool verified');
});

test('no engine: SourceMissing with the path and the reason', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-nosock-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const missing = join(dir, 'docker.sock');
  const notSocket = join(dir, 'file');
  writeFileSync(notSocket, '');
  for (const [path, re] of [
    [missing, /^no Docker socket at .*docker\.sock \(ENOENT\); containers will not be reported$/],
    [notSocket, /nothing answers on the Docker socket at .*file .*\(ECONNREFUSED\)/],
  ] as const) {
    const client = new DockerClient({ socketPath: path });
    await assert.rejects(
      client.listContainers(),
      (err: unknown) => err instanceof SourceMissing && re.test(err.message),
    );
    // A stats call on a missing socket is not a per-container error: the whole source is missing.
    await assert.rejects(client.containerStats('x'), SourceMissing);
    client.close();
  }
});

test('an engine that does not answer times out with a clear message', async (t) => {
  const mock = await mockEngine((p) => (p === '/version' ? { body: fixture('version-v1.41.json') } : 'hang'));
  // Long enough that /version, which the mock answers at once, is in before it on a busy machine.
  const client = new DockerClient({ socketPath: mock.socketPath, timeoutMs: 1000 });
  t.after(async () => {
    client.close();
    await mock.close();
  });
  await assert.rejects(client.listContainers(), /containers\/json: no complete answer from the engine within 1000 ms/);
});

test('mapPool on an empty list and with limit above the list', async () => {
  assert.deepEqual(await mapPool([], 8, async (x: number) => x), []);
  assert.deepEqual(await mapPool([1, 2, 3], 10, async (x) => x * 2), [2, 4, 6]);
});
