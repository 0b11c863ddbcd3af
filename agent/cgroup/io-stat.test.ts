import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseIoStat } from './io-stat.ts';

const fixture = (name: string) => readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'latin1');

test('parseIoStat: one entry per device, every counter kept', () => {
  const e = parseIoStat(fixture('io.stat-v2-two-disks'));
  assert.deepEqual(
    e.map((d) => [d.major, d.minor, d.values.get('rbytes'), d.values.get('wbytes'), d.values.get('dios')]),
    [
      [8, 16, 1459200, 314773504, 0],
      [8, 0, 90430464, 299008000, 3021],
    ],
  );
});

test('parseIoStat: blk-iocost adds cost.* keys, with a decimal vrate that is not a counter', () => {
  const [nvme, dm] = parseIoStat(fixture('io.stat-v2-iocost'));
  assert.equal(nvme!.values.get('wbytes'), 2415919104);
  assert.equal(nvme!.values.get('cost.usage'), 1054);
  assert.equal(nvme!.values.has('cost.vrate'), false);
  assert.equal(dm!.values.get('rbytes'), 8192);
});

test('parseIoStat: an empty file is no I/O; malformed lines are errors', () => {
  assert.deepEqual(parseIoStat(fixture('io.stat-v2-empty')), []);
  assert.throws(() => parseIoStat('sda rbytes=1\n'), /io.stat: line 1: expected "MAJOR:MINOR KEY=VALUE…"/);
  assert.throws(() => parseIoStat('8:0 rbytes\n'), /io.stat: line 1: "rbytes" is not KEY=VALUE/);
});
