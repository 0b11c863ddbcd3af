// A store that cannot write now is a 503 that says why (the agent keeps the batch and sends it
// again), not a 500; reads go on, and ingest stores again by itself once it can. The full
// disk itself is test/disk-full.test.ts (a tmpfs, needs root); here the connection is made
// read-only, which fails every write the same way on any machine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testApp, makeBatch } from '../../test/support/server.ts';
import { unavailableReason } from './unavailable.ts';

test('SQLite codes that mean "cannot write now" are named; others are not', () => {
  assert.equal(unavailableReason('SQLITE_FULL'), 'its disk is full');
  assert.match(unavailableReason('SQLITE_IOERR_WRITE')!, /I\/O error/);
  assert.match(unavailableReason('SQLITE_READONLY')!, /read-only/);
  assert.match(unavailableReason('SQLITE_BUSY')!, /locked/);
  for (const code of ['SQLITE_CONSTRAINT_PRIMARYKEY', 'SQLITE_ERROR', undefined, 7])
    assert.equal(unavailableReason(code), undefined);
});

test('a store that cannot write answers 503 with the reason and Retry-After; reads go on; it stores again once it can', async () => {
  const t = testApp();
  const now = t.clock.now;
  assert.equal((await t.ingest(makeBatch('alpha', [now - 10]))).status, 200);
  t.db.$client.pragma('query_only = 1');
  const res = await t.ingest(makeBatch('alpha', [now]));
  assert.equal(res.status, 503);
  assert.equal(res.headers.get('retry-after'), '30');
  assert.match(
    ((await res.json()) as { error: string }).error,
    /^the server cannot store batches now: the database file is read-only \(SQLITE_READONLY\); nothing of this batch was stored/,
  );
  assert.equal((await t.get('/api/v1/hosts')).status, 200, 'reads answer');
  assert.equal((await t.get(`/api/v1/series?host=alpha&metrics=cpu_pct&from=${now - 60}&to=${now}`)).status, 200);
  t.db.$client.pragma('query_only = 0');
  const again = await t.ingest(makeBatch('alpha', [now]));
  assert.equal(again.status, 200);
  assert.equal(((await again.json()) as { hostRows: number }).hostRows, 1, 'the batch sent again is stored');
  assert.deepEqual(
    t.log.lines.filter((l) => l.includes('ingest:')).map((l) => l.replace(/\d+ s;/, 'N s;')),
    [
      'error ingest: answering 503, the database file is read-only (SQLITE_READONLY): could not store the batch: attempt to write a readonly database',
      'info ingest: storing again after N s; 1 batches were answered 503 meanwhile (their agents send them again)',
    ],
  );
});
