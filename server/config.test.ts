// The server's flags: where each value comes from and how a bad one is refused; the forwarding
// and read-from flags: repeatable URLs and headers from flags or environment, credentials kept
// out of every message, bad values named by flag.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadServerConfig } from './config.ts';
import { DEFAULT_RETENTION } from './rollup/tiers.ts';
import { ConfigError } from '../lib/options.ts';

test('flags win over BERTH_* variables, which win over defaults', () => {
  const c = loadServerConfig(['--port', '9001'], { BERTH_PORT: '9002', BERTH_DB: '/tmp/x.db' });
  assert.equal(c.port, 9001);
  assert.equal(c.dbPath, '/tmp/x.db');
  assert.equal(c.bind, '127.0.0.1');
  assert.deepEqual(c.retention, DEFAULT_RETENTION);
  assert.equal(c.bodyLimit, 8 * 1024 * 1024);
  assert.equal(c.inflatedLimit, 16 * c.bodyLimit);
  assert.equal(c.allowDuplicateHostnames, false);
  assert.equal(loadServerConfig(['--allow-duplicate-hostnames'], {}).allowDuplicateHostnames, true);
  assert.equal(loadServerConfig([], { BERTH_ALLOW_DUPLICATE_HOSTNAMES: '1' }).allowDuplicateHostnames, true);
});

test('tokens: repeated flags, or comma-separated in BERTH_TOKEN', () => {
  const a = 'a'.repeat(16);
  const b = 'b'.repeat(20);
  assert.deepEqual(loadServerConfig(['--token', a, '--token', b], { BERTH_TOKEN: 'c'.repeat(16) }).tokens, [a, b]);
  assert.deepEqual(loadServerConfig([], { BERTH_TOKEN: ` ${a}, ${b} ,` }).tokens, [a, b]);
  assert.deepEqual(loadServerConfig([], {}).tokens, []);
});

test('every bad value is reported by its flag name, then the process exits 2', () => {
  assert.throws(
    () =>
      loadServerConfig(['--port', '70000', '--body-limit', 'big', '--retention', 'raw=forever', '--token', 'short'], {
        BERTH_ALLOW_DUPLICATE_HOSTNAMES: 'maybe',
      }),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      const lines = e.message.split('\n');
      assert.equal(lines[0], '--port (BERTH_PORT): "70000" must be a number from 0 to 65535');
      assert.equal(lines[1], '--token (BERTH_TOKEN): a token must be at least 16 characters');
      assert.match(lines[2], /^--retention \(BERTH_RETENTION\): /);
      assert.equal(lines[3], '--body-limit (BERTH_BODY_LIMIT): "big" must be a number from 0.001 to 1024');
      assert.equal(
        lines[4],
        '--allow-duplicate-hostnames (BERTH_ALLOW_DUPLICATE_HOSTNAMES): "maybe" is not true or false',
      );
      return true;
    },
  );
  assert.throws(
    () => loadServerConfig(['--prot', '1'], {}),
    (e: unknown) => e instanceof ConfigError && /--prot/.test(e.message),
  );
});

const base = ['--db', '/tmp/berth-config-test/berth.db'];

test('--remote-write is repeatable; headers go to every target; the queue sits beside the database', () => {
  const c = loadServerConfig(
    [
      ...base,
      '--remote-write',
      'http://vm:8428/api/v1/write',
      '--remote-write',
      'https://u:p@mimir/api/v1/push',
      '--remote-write-header',
      'X-Scope-OrgID: shop',
    ],
    {},
  );
  assert.deepEqual(
    c.remoteWrite.map((r) => [r.display, r.headers['x-scope-orgid'], r.headers.authorization ?? null]),
    [
      ['http://vm:8428/api/v1/write', 'shop', null],
      ['https://mimir/api/v1/push', 'shop', `Basic ${Buffer.from('u:p').toString('base64')}`],
    ],
  );
  assert.equal(c.remoteWriteQueueDir, '/tmp/berth-config-test/remote-write');
  assert.equal(c.remoteWriteQueueBytes, 1024 * 1024 * 1024);
  assert.equal(c.readFrom, undefined);
  assert.equal(c.metricsToken, undefined);
});

test('from the environment: URLs space-separated, headers one per line', () => {
  const c = loadServerConfig(base, {
    BERTH_REMOTE_WRITE: 'http://a/w http://b/w',
    BERTH_REMOTE_WRITE_HEADER: 'A: 1\nB: x, y',
    BERTH_REMOTE_WRITE_QUEUE_MB: '5',
    BERTH_READ_FROM: 'http://vmselect:8481/select/0/prometheus',
    BERTH_METRICS_TOKEN: 'scrape-token-0123456789',
  });
  assert.deepEqual(
    c.remoteWrite.map((r) => r.url),
    ['http://a/w', 'http://b/w'],
  );
  assert.deepEqual(c.remoteWrite[1].headers, { a: '1', b: 'x, y' });
  assert.equal(c.remoteWriteQueueBytes, 5 * 1024 * 1024);
  assert.equal(c.readFrom?.display, 'http://vmselect:8481/select/0/prometheus');
  assert.equal(c.metricsToken, 'scrape-token-0123456789');
});

test('bad values are named by flag, without the secret', () => {
  const problems = (argv: string[]) => {
    try {
      loadServerConfig([...base, ...argv], {});
    } catch (e) {
      return (e as Error).message;
    }
    return '';
  };
  assert.match(problems(['--remote-write', 'vm:8428']), /^--remote-write \(BERTH_REMOTE_WRITE\): /);
  const bad = problems([
    '--remote-write',
    'http://u:hunter2@x/',
    '--remote-write-header',
    'Authorization: Bearer s3cret',
  ]);
  assert.match(bad, /give one of them/);
  assert.doesNotMatch(bad, /hunter2|s3cret/);
  assert.match(problems(['--remote-write-header', 'A: 1']), /--remote-write-header .*without --remote-write/);
  assert.match(problems(['--remote-write-queue-mb', '0']), /--remote-write-queue-mb/);
  assert.match(problems(['--read-from', 'ftp://x']), /--read-from \(BERTH_READ_FROM\): ftp: is not http/);
  assert.match(problems(['--metrics-token', 'short']), /--metrics-token .*at least 16/);
});
