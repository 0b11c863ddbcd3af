// Where batches wait: the spool on a real disk, and memory while that disk will not take them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { Outbox } from './outbox.ts';
import { Spool } from './spool.ts';
import { memoryLogger } from '../lib/log.ts';
import { tempDir } from '../test/support/temp.ts';

const body = (s: string) => Buffer.from(s);
const ids = (o: Outbox, max = 100) => o.oldest(max, Infinity).map((e) => e.batchId);
/** Every batch waiting, in the order they go out, taken out as a drain would. */
function takeAll(o: Outbox): string[] {
  const out: string[] = [];
  for (let run = o.oldest(100, Infinity); run.length; run = o.oldest(100, Infinity)) {
    out.push(...run.map((e) => e.batchId));
    o.remove(run.map((e) => e.key));
  }
  return out;
}

/** An outbox on a real folder, and a way to make that folder unwritable (it becomes a file: ENOTDIR, as a full or read-only disk fails) and writable again. */
function setup(maxHeldBytes?: number) {
  const dir = tempDir();
  const log = memoryLogger();
  const spool = new Spool(dir, 1e6, memoryLogger());
  const outbox = new Outbox(spool, log, maxHeldBytes);
  return {
    dir,
    log,
    spool,
    outbox,
    breakDisk() {
      fs.rmSync(dir, { recursive: true });
      fs.writeFileSync(dir, '');
    },
    mendDisk() {
      fs.rmSync(dir);
      fs.mkdirSync(dir);
    },
  };
}

test('a batch put is on disk when put returns (a kill loses nothing), and comes back oldest first', () => {
  const { dir, outbox } = setup();
  outbox.put('a', body('1'));
  outbox.put('b', body('22'));
  outbox.put('c', body('333'));
  assert.deepEqual(ids(new Outbox(new Spool(dir, 1e6, memoryLogger()), memoryLogger())), ['a', 'b', 'c']);
  assert.deepEqual(ids(outbox, 2), ['a', 'b']);
  assert.deepEqual(
    outbox.oldest(100, 3).map((e) => e.batchId),
    ['a', 'b'],
    'within the bytes asked for',
  );
  assert.deepEqual(
    outbox.oldest(100, 1).map((e) => e.batchId),
    ['a'],
    'the first whatever its size',
  );
  outbox.remove(outbox.oldest(2, Infinity).map((e) => e.key));
  assert.deepEqual(ids(outbox), ['c']);
  assert.equal(outbox.count, 1);
});

test('a spool that cannot be written: batches held in memory, said once, then spooled again in order once it can', () => {
  const { outbox, log, spool, breakDisk, mendDisk } = setup();
  breakDisk();
  outbox.put('a', body('1'));
  outbox.put('b', body('2'));
  assert.deepEqual([outbox.inMemory, outbox.count], [2, 2]);
  assert.equal(log.lines.filter((l) => /error cannot write the spool .* \(ENOTDIR\)/.test(l)).length, 1, 'said once');
  mendDisk();
  outbox.put('c', body('3'));
  assert.deepEqual(
    [outbox.inMemory, spool.count],
    [3, 0],
    'a new batch stays behind those held, until they are spooled',
  );
  outbox.respool();
  assert.deepEqual([outbox.inMemory, spool.count], [0, 3]);
  assert.equal(log.lines.filter((l) => /can be written again/.test(l)).length, 1);
  assert.deepEqual(takeAll(outbox), ['a', 'b', 'c']);
});

test('batches spooled before the disk failed go out first, then those held, in order', () => {
  const { outbox, breakDisk, mendDisk } = setup();
  outbox.put('a', body('1'));
  outbox.put('b', body('2'));
  const spooled = outbox.oldest(100, Infinity); // read before the disk goes
  breakDisk();
  outbox.put('c', body('3'));
  outbox.put('d', body('4'));
  mendDisk();
  assert.deepEqual(
    spooled.map((e) => e.batchId),
    ['a', 'b'],
  );
  outbox.remove(spooled.map((e) => e.key));
  assert.deepEqual(takeAll(outbox), ['c', 'd']);
});

test('held batches go out one at a time once the spool is empty, and are forgotten when sent', () => {
  const { outbox, breakDisk } = setup();
  breakDisk();
  outbox.put('a', body('1'));
  outbox.put('b', body('2'));
  const [first, ...more] = outbox.oldest(100, Infinity);
  assert.equal(first.batchId, 'a');
  assert.deepEqual(more, [], 'alone');
  outbox.remove([first.key]);
  assert.deepEqual(ids(outbox), ['b']);
  assert.equal(outbox.inMemory, 1);
});

test('memory holds a bounded number of bytes: beyond it the oldest is dropped and logged', () => {
  const { outbox, log, breakDisk } = setup(25);
  breakDisk();
  const first = (() => {
    outbox.put('a', Buffer.alloc(10));
    return outbox.oldest(1, Infinity)[0];
  })();
  for (const id of ['b', 'c', 'd']) outbox.put(id, Buffer.alloc(10));
  assert.equal(outbox.count, 2);
  assert.equal(
    log.lines.filter((l) => /not writable and 25 bytes held in memory: dropped the oldest batch/.test(l)).length,
    2,
  );
  outbox.remove([first.key]);
  assert.deepEqual(takeAll(outbox), ['c', 'd'], 'removing one the bound dropped meanwhile changes nothing');
});
