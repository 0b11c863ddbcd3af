import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parsePidIo } from './pid-io.ts';

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
