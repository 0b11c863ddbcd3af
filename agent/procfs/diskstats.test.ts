import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { parseDiskstats, readDiskstats } from './diskstats.ts';
import { SourceMissing } from '../source-missing.ts';

const fixture = (name: string) => readFile(new URL(`./testdata/${name}`, import.meta.url), 'utf8');

test("parseDiskstats: this machine's /proc/diskstats (kernel 6.18, 20 fields)", async () => {
  const disks = parseDiskstats(await fixture('diskstats'));
  assert.equal(disks.length, 10);
  const vda = disks.find((d) => d.name === 'vda');
  assert.ok(vda);
  assert.equal(vda.major, 254);
  assert.equal(vda.minor, 0);
  assert.ok(vda.readsCompleted > 0 && vda.sectorsRead > 0 && vda.ioMs > 0);
  // 5.5+ prints discard and flush counters.
  assert.notEqual(vda.discardsCompleted, undefined);
  assert.notEqual(vda.flushesCompleted, undefined);
  assert.equal(disks.find((d) => d.name === 'loop0')?.readsCompleted, 0);
});

test('parseDiskstats: the 14-field format (before 4.18) has no discard or flush counters', async () => {
  const disks = parseDiskstats(await fixture('diskstats-linux-4.14'));
  const sda = disks.find((d) => d.name === 'sda');
  assert.deepEqual(sda, {
    major: 8,
    minor: 0,
    name: 'sda',
    readsCompleted: 189393,
    readsMerged: 5321,
    sectorsRead: 12163766,
    readMs: 160052,
    writesCompleted: 383612,
    writesMerged: 280385,
    sectorsWritten: 22154320,
    writeMs: 1483420,
    ioInProgress: 0,
    ioMs: 340644,
    weightedIoMs: 1643160,
  });
});

test('parseDiskstats: before 2.6.25 partitions had 7 fields; they are passed over, the disks read', async () => {
  const disks = parseDiskstats(await fixture('diskstats-linux-2.6.18'));
  assert.deepEqual(
    disks.map((d) => d.name),
    ['ram0', 'sda', 'dm-0'],
  );
  assert.equal(disks[1].sectorsWritten, 22154320);
  assert.equal(disks[1].discardsCompleted, undefined);
});

test('parseDiskstats: the 18-field format (4.18 to 5.4) adds discards', async () => {
  const md0 = parseDiskstats(await fixture('diskstats-linux-5.4')).find((d) => d.name === 'md0');
  assert.equal(md0?.discardsCompleted, 3);
  assert.equal(md0?.sectorsDiscarded, 4096);
  assert.equal(md0?.flushesCompleted, undefined);
});

test('parseDiskstats: a kernel that appends fields past 20 still parses', () => {
  const [d] = parseDiskstats(' 8 0 sda 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19\n');
  assert.equal(d.flushMs, 17);
});

test('parseDiskstats: empty file means no block devices', () => {
  assert.deepEqual(parseDiskstats(''), []);
});

test('parseDiskstats: malformed input names the file and the line', async () => {
  const cases: [string, RegExp][] = [
    [await fixture('diskstats-short'), /\/proc\/diskstats: line 1: expected 14, 18 or 20 fields, got 13/],
    [await fixture('diskstats-19-fields'), /\/proc\/diskstats: line 1: expected 14, 18 or 20 fields, got 19/],
    [await fixture('diskstats-bad-counter'), /\/proc\/diskstats: line 1: discardMs is not a counter/],
    ['   8   x sda 1 2 3 4 5 6 7 8 9 10 11\n', /line 1: bad major:minor/],
  ];
  for (const [text, re] of cases) assert.throws(() => parseDiskstats(text), re);
});

test('readDiskstats: a missing file is SourceMissing naming the path', async () => {
  await assert.rejects(
    readDiskstats('/nonexistent-proc'),
    (err: unknown) => err instanceof SourceMissing && err.message.includes('/nonexistent-proc/diskstats'),
  );
});
