import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseCgroupCounter, parseCgroupValue } from './value.ts';

const fixture = (name: string) => readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'latin1');

test('parseCgroupValue: one number, or "max" for a v2 limit not set', () => {
  const cases: [string, number | 'max'][] = [
    ['cpuacct.usage-v1-busy', 105173729946],
    ['memory.usage_in_bytes-v1-limited', 22433792],
    ['memory.limit_in_bytes-v1-64m', 64 * 2 ** 20],
    // v1's "no limit": PAGE_COUNTER_MAX pages; far above any machine's memory.
    ['memory.limit_in_bytes-v1-unlimited', 9223372036854771712],
    ['memory.current-v2', 139350016],
    ['memory.max-v2-unlimited', 'max'],
    ['memory.max-v2-256m', 256 * 2 ** 20],
    ['pids.current-v1', 2],
    ['pids.current-v2', 7],
    ['pids.max-unlimited', 'max'],
  ];
  for (const [file, want] of cases) assert.equal(parseCgroupValue(fixture(file), file), want, file);
});

test('parseCgroupValue: empty, several values or words are errors naming the file', () => {
  const cases: [string, RegExp][] = [
    ['', /memory.current: .*expected one value/],
    ['1\n2\n', /memory.current: line 2: expected one value/],
    ['12 kB\n', /memory.current: line 1: not a number or "max"/],
    ['-1\n', /not a number/],
  ];
  for (const [text, re] of cases) assert.throws(() => parseCgroupValue(text, 'memory.current'), re, text);
});

test('parseCgroupCounter: "max" is not a counter', () => {
  assert.equal(parseCgroupCounter('42\n', 'pids.current'), 42);
  assert.throws(() => parseCgroupCounter('max\n', 'pids.current'), /pids.current: .*cannot be "max"/);
});
