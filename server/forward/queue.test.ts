// The forwarding queue on real files: what was queued comes out in order after a restart,
// what was taken does not come back, the bound drops the oldest and counts them, a record a
// crash cut short is cut off, segments behind the cursor are deleted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { DiskQueue } from './queue.ts';
import { tempDir } from '../../test/support/temp.ts';

const rec = (i: number, size = 100) => Buffer.alloc(size, i % 256);
const segments = (dir: string) =>
  fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.seg'))
    .sort();

test('records come out oldest first, and stay until taken, across a restart', () => {
  const dir = tempDir();
  let clock = 1000;
  const q = new DiskQueue(dir, { maxBytes: 1 << 20, now: () => clock });
  for (let i = 0; i < 5; i++) {
    clock += 10;
    assert.equal(q.append(rec(i), 10 + i), 0);
  }
  assert.deepEqual(q.size, { records: 5, bytes: 5 * 124, samples: 60, oldest: 1010 });
  const first = q.peek(2, 1 << 20)!;
  assert.equal(first.records, 2);
  assert.deepEqual(first.payloads, [rec(0), rec(1)]);
  assert.equal(first.samples, 21);
  // Not taken yet: the same again.
  assert.deepEqual(q.peek(2, 1 << 20)!.payloads, [rec(0), rec(1)]);
  assert.equal(q.ack(first.upTo), 21);
  q.close();

  const again = new DiskQueue(dir, { maxBytes: 1 << 20 });
  assert.equal(again.report.records, 3);
  assert.deepEqual(again.size, { records: 3, bytes: 3 * 124, samples: 39, oldest: 1030 });
  const rest = again.peek(10, 1 << 20)!;
  assert.deepEqual(rest.payloads, [rec(2), rec(3), rec(4)]);
  again.ack(rest.upTo);
  assert.equal(again.peek(10, 1 << 20), undefined);
  // New records after the old ones, in the same files.
  again.append(rec(9), 1);
  again.close();
  const third = new DiskQueue(dir, { maxBytes: 1 << 20 });
  assert.deepEqual(third.peek(10, 1 << 20)!.payloads, [rec(9)]);
  third.close();
});

test('peek stops at its byte budget but always gives one record', () => {
  const q = new DiskQueue(tempDir(), { maxBytes: 1 << 20 });
  q.append(rec(1, 500), 1);
  q.append(rec(2, 500), 1);
  q.append(rec(3, 500), 1);
  assert.equal(q.peek(10, 1000)!.records, 2);
  assert.equal(q.peek(10, 10)!.records, 1);
  assert.equal(q.peek(1, 1 << 20)!.records, 1);
  q.close();
});

test('past the bound the oldest records go, counted; one larger than the bound is not kept', () => {
  const dir = tempDir();
  const q = new DiskQueue(dir, { maxBytes: 3 * 124 });
  assert.equal(q.append(rec(0), 5), 0);
  assert.equal(q.append(rec(1), 6), 0);
  assert.equal(q.append(rec(2), 7), 0);
  assert.equal(q.append(rec(3), 8), 5);
  assert.deepEqual(q.peek(10, 1 << 20)!.payloads, [rec(1), rec(2), rec(3)]);
  assert.equal(q.append(rec(4, 1000), 50), 50);
  assert.equal(q.size.records, 3);
  q.close();
  // The drop is written down: a restart does not bring it back.
  const again = new DiskQueue(dir, { maxBytes: 3 * 124 });
  assert.deepEqual(again.peek(10, 1 << 20)!.payloads, [rec(1), rec(2), rec(3)]);
  again.close();
});

test('an ack of records the bound already dropped takes only what is left', () => {
  const q = new DiskQueue(tempDir(), { maxBytes: 2 * 124 });
  q.append(rec(0), 1);
  q.append(rec(1), 1);
  const inFlight = q.peek(10, 1 << 20)!;
  q.append(rec(2), 1); // drops rec(0) while the two are being sent
  assert.equal(q.ack(inFlight.upTo), 1);
  assert.deepEqual(q.peek(10, 1 << 20)!.payloads, [rec(2)]);
  q.close();
});

test('segments roll over and those behind the cursor are deleted', () => {
  const dir = tempDir();
  const q = new DiskQueue(dir, { maxBytes: 1 << 20, segmentBytes: 300 });
  for (let i = 0; i < 9; i++) q.append(rec(i), 1);
  assert.equal(segments(dir).length, 3);
  const p = q.peek(4, 1 << 20)!;
  q.ack(p.upTo);
  assert.deepEqual(segments(dir), ['0000000002.seg', '0000000003.seg']);
  q.ack(q.peek(10, 1 << 20)!.upTo);
  // The one being written to stays.
  assert.deepEqual(segments(dir), ['0000000003.seg']);
  q.append(rec(20), 1);
  q.close();
  const again = new DiskQueue(dir, { maxBytes: 1 << 20, segmentBytes: 300 });
  assert.deepEqual(again.peek(10, 1 << 20)!.payloads, [rec(20)]);
  again.close();
});

test('a record a crash cut short, or one whose bytes changed, ends what is read', () => {
  for (const damage of ['cut', 'flip'] as const) {
    const dir = tempDir();
    const q = new DiskQueue(dir, { maxBytes: 1 << 20 });
    q.append(rec(1), 1);
    q.append(rec(2), 2);
    q.close();
    const file = path.join(dir, '0000000001.seg');
    const size = fs.statSync(file).size;
    if (damage === 'cut') fs.truncateSync(file, size - 30);
    else {
      const buf = fs.readFileSync(file);
      buf[size - 1] ^= 0xff;
      fs.writeFileSync(file, buf);
    }
    const again = new DiskQueue(dir, { maxBytes: 1 << 20 });
    assert.deepEqual(again.report, { records: 1, truncated: damage === 'cut' ? 94 : 124, skipped: 0 }, damage);
    assert.deepEqual(again.peek(10, 1 << 20)!.payloads, [rec(1)]);
    // Appends go after the last whole record.
    again.append(rec(3), 3);
    again.close();
    const third = new DiskQueue(dir, { maxBytes: 1 << 20 });
    assert.deepEqual(third.peek(10, 1 << 20)!.payloads, [rec(1), rec(3)], damage);
    third.close();
  }
});
