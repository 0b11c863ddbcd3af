import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parsePidIo, pidIoBytes } from './pid-io.ts';

const fixture = (name: string) => readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'latin1');

test('parsePidIo: `yes > /dev/null` writes through syscalls, nothing reaches storage', () => {
  const io = parsePidIo(fixture('pid-io-busy-container'));
  assert.equal(io.wchar, 39672319562);
  assert.equal(io.writeBytes, 0);
  // Its binary, paged in from the image once.
  assert.equal(io.readBytes, 647168);
});

test("parsePidIo: dockerd's counters", () => {
  const io = parsePidIo(fixture('pid-io-dockerd'));
  assert.equal(io.rchar, 1908541180);
  assert.ok(io.writeBytes > 0);
});

test('parsePidIo: without task I/O accounting only the syscall counters; malformed input', () => {
  assert.deepEqual(parsePidIo('rchar: 1\nwchar: 2\nsyscr: 3\nsyscw: 4\n'), {
    rchar: 1,
    wchar: 2,
    syscr: 3,
    syscw: 4,
    readBytes: 0,
    writeBytes: 0,
    cancelledWriteBytes: 0,
  });
  assert.throws(() => parsePidIo('rchar 1\n'), /\/proc\/<pid>\/io: line 1: expected "key: value"/);
  assert.throws(() => parsePidIo('rchar: x\n'), /line 1: value is not a number/);
  assert.throws(() => parsePidIo(''), /no rchar/);
});

test('pidIoBytes: the storage bytes parsePidIo reads, and its errors', () => {
  const texts = [
    fixture('pid-io-busy-container'),
    fixture('pid-io-dockerd'),
    'rchar: 1\nwchar: 2\nsyscr: 3\nsyscw: 4\n',
    // cancelled_write_bytes ends in "write_bytes": not taken for it.
    'rchar: 1\nwchar: 2\nsyscr: 3\nsyscw: 4\nread_bytes: 5\ncancelled_write_bytes: 7\nwrite_bytes: 6\n',
  ];
  for (const text of texts) {
    const io = parsePidIo(text);
    assert.deepEqual(pidIoBytes(text), { readBytes: io.readBytes, writeBytes: io.writeBytes });
  }
  assert.deepEqual(pidIoBytes(texts[3]!), { readBytes: 5, writeBytes: 6 });
  assert.throws(() => pidIoBytes('rchar: 1\nwchar: x\n'), /\/proc\/<pid>\/io: line 2: value is not a number/);
  assert.throws(() => pidIoBytes(''), /no rchar/);
});
