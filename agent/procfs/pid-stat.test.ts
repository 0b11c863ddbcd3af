import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parsePidStat, pidStatCounters, PF_KTHREAD } from './pid-stat.ts';

const fixture = (name: string) => readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'latin1');

test('parsePidStat: a CPU-bound process in a container (this machine)', () => {
  const s = parsePidStat(fixture('pid-stat-busy-container'));
  assert.deepEqual(s, {
    pid: 23720,
    comm: 'yes',
    state: 'R',
    ppid: 23695,
    flags: 4194560,
    utime: 15622,
    stime: 796,
    numThreads: 1,
    starttime: 132458,
    rssPages: 396,
  });
  assert.equal(s.flags & PF_KTHREAD, 0);
});

test('parsePidStat: a kernel thread is flagged PF_KTHREAD and has no memory', () => {
  const s = parsePidStat(fixture('pid-stat-kthread'));
  assert.equal(s.comm, 'kthreadd');
  assert.notEqual(s.flags & PF_KTHREAD, 0);
  assert.equal(s.rssPages, 0);
});

test('parsePidStat: a name holding ") (" is cut at the last parenthesis', () => {
  // A process renamed itself (prctl PR_SET_NAME) to "a) (b c".
  const s = parsePidStat(fixture('pid-stat-odd-comm'));
  assert.equal(s.comm, 'a) (b c');
  assert.equal(s.state, 'R');
  assert.equal(s.utime, 8);
  assert.equal(s.stime, 5);
  assert.equal(parsePidStat(fixture('pid-stat-dockerd')).numThreads, 11);
});

test('parsePidStat: malformed lines are errors naming the file', () => {
  const cases: [string, RegExp][] = [
    ['', /\/proc\/<pid>\/stat: line 1: no "\(comm\)"/],
    ['12 (x R 1 2', /no "\(comm\)"/],
    ['x (sh) S 1', /pid is not a number/],
    ['12 (sh) S 1 2 3', /6 fields, expected at least 24/],
    [fixture('pid-stat-busy-container').replace(' 15622 ', ' -1 '), /field 14 is not a number/],
  ];
  for (const [text, re] of cases) assert.throws(() => parsePidStat(text), re, text.slice(0, 30));
});

test('pidStatCounters: the same counters as the full parse, without it; odd lines undefined', () => {
  for (const name of ['pid-stat-busy-container', 'pid-stat-kthread', 'pid-stat-odd-comm', 'pid-stat-dockerd']) {
    const text = fixture(name);
    const full = parsePidStat(text);
    assert.deepEqual(
      pidStatCounters(text),
      { ticks: full.utime + full.stime, starttime: full.starttime, rssPages: full.rssPages },
      name,
    );
  }
  assert.equal(pidStatCounters(''), undefined);
  assert.equal(pidStatCounters('12 (sh) S 1 2 3'), undefined);
  assert.equal(pidStatCounters(fixture('pid-stat-busy-container').replace(' 15622 ', ' x ')), undefined);
});
