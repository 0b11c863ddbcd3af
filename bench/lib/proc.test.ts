import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { engineDelta, parseProcStat, processTree, treeTicks, type ProcStat } from './proc.ts';

// A real line (node) and one whose comm holds a space and a ')', as a process may name itself.
const NODE =
  '22842 (node) S 22830 22842 22830 0 -1 4194560 30862 0 0 0 1093 187 7 3 20 0 11 0 1164283 1252311040 16924 18446744073709551615 1 1 0 0 0 0 0 4096 134234626 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0';
const ODD =
  '77 (a b) c) R 1 77 77 0 -1 4194304 100 0 0 0 5 6 7 8 20 0 1 0 999 0 0 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0';

test('parseProcStat: utime+stime+cutime+cstime, ppid and start time', () => {
  assert.deepEqual(parseProcStat(NODE), {
    pid: 22842,
    comm: 'node',
    ppid: 22830,
    ticks: 1093 + 187 + 7 + 3,
    start: 1164283,
  });
  assert.deepEqual(parseProcStat(ODD), { pid: 77, comm: 'a b) c', ppid: 1, ticks: 26, start: 999 });
});

test('parseProcStat: this process reads as itself', () => {
  const s = parseProcStat(readFileSync('/proc/self/stat', 'utf8'));
  assert.equal(s.ppid, process.ppid);
  assert.ok(s.ticks >= 0 && s.start > 0);
});

test('parseProcStat: empty, short and malformed lines are errors that show the line', () => {
  assert.throws(() => parseProcStat(''), /no \(comm\)/);
  assert.throws(() => parseProcStat('1 (x) S 0 1 1'), /fields, expected at least 22/);
  assert.throws(() => parseProcStat(NODE.replace(' 1093 ', ' x ')), /field 14 is "x"/);
});

test('processTree and treeTicks: the root and every descendant, nothing else', () => {
  const p = (pid: number, ppid: number, ticks: number): ProcStat => ({ pid, comm: 'x', ppid, ticks, start: pid });
  const procs = new Map([p(10, 1, 5), p(11, 10, 3), p(12, 11, 2), p(20, 1, 100)].map((x) => [x.pid, x]));
  assert.deepEqual(
    processTree(10, procs)
      .map((x) => x.pid)
      .sort(),
    [10, 11, 12],
  );
  assert.equal(treeTicks(10, procs), 10);
  assert.equal(treeTicks(99, procs), 0);
});

test('engineDelta: per process; born meanwhile counts whole, ended meanwhile nothing', () => {
  const before = new Map([
    ['1@1', 100],
    ['2@5', 50],
    ['3@7', 10],
  ]);
  const after = new Map([
    ['1@1', 130],
    ['2@5', 52],
    ['4@9', 4],
  ]);
  assert.equal(engineDelta(before, after), 30 + 2 + 4);
});
