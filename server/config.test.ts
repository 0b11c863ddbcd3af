// The forwarding and read-from flags: repeatable URLs and headers from flags or environment,
// credentials kept out of every message, bad values named by flag.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadServerConfig } from './config.ts';

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
