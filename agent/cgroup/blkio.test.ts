import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseBlkio } from './blkio.ts';

const fixture = (name: string) => readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'latin1');

test('parseBlkio: a container reading 20 MiB and writing 8 MiB to a loop device (this machine)', () => {
  const lines = parseBlkio(fixture('blkio.throttle.io_service_bytes-v1-loop'), 'blkio.throttle.io_service_bytes');
  assert.deepEqual(
    lines.map((l) => `${l.major}:${l.minor} ${l.op} ${l.value}`),
    [
      '7:0 Read 20971520',
      '7:0 Write 8388608',
      '7:0 Sync 29360128',
      '7:0 Async 0',
      '7:0 Discard 0',
      '7:0 Total 29360128',
    ],
  );
});

test('parseBlkio: the grand total alone (no I/O yet) is no line; CFQ files of older kernels read alike', () => {
  assert.deepEqual(parseBlkio(fixture('blkio.throttle.io_service_bytes-v1-none'), 'x'), []);
  assert.equal(parseBlkio(fixture('blkio.throttle.io_service_bytes-v1-idle-device'), 'x').length, 6);
  const cfq = parseBlkio(fixture('blkio.io_service_bytes_recursive-v1-cfq-linux-4.15'), 'x');
  assert.deepEqual(
    cfq.filter((l) => l.op === 'Read').map((l) => [l.minor, l.value]),
    [
      [0, 8568832],
      [16, 4096],
    ],
  );
});

test('parseBlkio: files without operations, and malformed lines', () => {
  assert.deepEqual(parseBlkio('8:0 2048\n', 'blkio.sectors'), [{ major: 8, minor: 0, op: '', value: 2048 }]);
  const cases: [string, RegExp][] = [
    ['8:0 Read\n', /blkio.x: line 1: value is not a number/],
    ['sda Read 1\n', /line 1: expected "MAJOR:MINOR \[OP\] VALUE" or "Total VALUE"/],
    ['8:0 Read 1 2\n', /expected "MAJOR:MINOR/],
  ];
  for (const [text, re] of cases) assert.throws(() => parseBlkio(text, 'blkio.x'), re, text);
});
