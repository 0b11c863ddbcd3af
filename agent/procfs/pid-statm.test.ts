import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parsePidStatm } from './pid-statm.ts';
import { parsePidStat } from './pid-stat.ts';

const fixture = (name: string) => readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'latin1');

test('parsePidStatm: pages of dockerd and of a kernel thread (this machine)', () => {
  assert.deepEqual(parsePidStatm(fixture('pid-statm-dockerd')), {
    size: 383336,
    resident: 22920,
    shared: 13430,
    text: 6653,
    data: 40592,
  });
  assert.equal(parsePidStatm(fixture('pid-statm-kthread')).resident, 0);
  // Read a moment apart from stat: the same resident set, give or take a few pages.
  const rss = parsePidStat(fixture('pid-stat-dockerd')).rssPages;
  assert.ok(Math.abs(parsePidStatm(fixture('pid-statm-dockerd')).resident - rss) < 100);
});

test('parsePidStatm: short or non-numeric lines are errors', () => {
  assert.throws(() => parsePidStatm('1 2 3'), /\/proc\/<pid>\/statm: line 1: 3 fields, expected 7/);
  assert.throws(() => parsePidStatm('1 2 x 4 0 5 0'), /field 3 is not a number/);
});
