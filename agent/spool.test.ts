import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Spool } from './spool.ts';
import { memoryLogger } from '../lib/log.ts';
import { tempDir } from '../test/support/temp.ts';

test('batches come back oldest first, also after the process restarts', () => {
  const dir = tempDir();
  const a = new Spool(dir, 1e6, memoryLogger());
  a.put('batch-one', Buffer.from('1'));
  a.put('batch-two', Buffer.from('22'));
  const b = new Spool(dir, 1e6, memoryLogger());
  assert.equal(b.count, 2);
  assert.equal(b.bytes, 3);
  const first = b.oldest()!;
  assert.equal(first.batchId, 'batch-one');
  b.remove(first.file);
  assert.equal(b.oldest()!.batchId, 'batch-two');
});

test('a half-written file left by a kill is discarded, never replayed', () => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, '000000000000001-000000-x.json.gz.tmp'), 'partial');
  const s = new Spool(dir, 1e6, memoryLogger());
  assert.equal(s.count, 0);
  assert.deepEqual(fs.readdirSync(dir), []);
});

test('beyond the size limit the oldest batch is dropped, counted and logged', () => {
  const log = memoryLogger();
  const s = new Spool(tempDir(), 25, log);
  for (let i = 0; i < 4; i++) s.put(`batch-${i}`, Buffer.alloc(10));
  assert.equal(s.count, 2);
  assert.equal(s.dropped, 2);
  assert.equal(s.oldest()!.batchId, 'batch-2');
  assert.equal(log.lines.filter((l) => l.includes('dropped oldest batch')).length, 2);
});

test('the newest batch is sent from memory as written; older ones are read from disk; removed files are gone', () => {
  const dir = tempDir();
  const s = new Spool(dir, 1e6, memoryLogger());
  s.put('batch-one', Buffer.from('one'));
  s.put('batch-two', Buffer.from('two'));
  const files = fs.readdirSync(dir).sort();
  assert.equal(files.length, 2);
  // On disk both are there, byte for byte (a kill now loses nothing).
  assert.deepEqual(
    files.map((f) => fs.readFileSync(path.join(dir, f), 'utf8')),
    ['one', 'two'],
  );
  const run = s.oldestRun(10, 1e6);
  assert.deepEqual(
    run.map((b) => [b.batchId, b.body.toString()]),
    [
      ['batch-one', 'one'],
      ['batch-two', 'two'],
    ],
  );
  s.remove(...run.map((b) => b.file), 'no-such-file.json.gz');
  assert.deepEqual(fs.readdirSync(dir), []);
  assert.equal(s.count, 0);
});
