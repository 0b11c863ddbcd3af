import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { parseLoadavg, readLoadavg } from './loadavg.ts';
import { SourceMissing } from '../source-missing.ts';

const fixture = (name: string) => readFile(new URL(`./testdata/${name}`, import.meta.url), 'utf8');

test("parseLoadavg: this machine's /proc/loadavg", async () => {
  const text = await fixture('loadavg');
  const [l1, l5, l15, tasks, pid] = text.trim().split(' ');
  const [running, total] = tasks.split('/').map(Number);
  assert.deepEqual(parseLoadavg(text), {
    load1: Number(l1),
    load5: Number(l5),
    load15: Number(l15),
    running,
    total,
    lastPid: Number(pid),
  });
});

test('parseLoadavg: a busy host', () => {
  assert.deepEqual(parseLoadavg('12.07 9.81 7.45 17/2143 3981645\n'), {
    load1: 12.07,
    load5: 9.81,
    load15: 7.45,
    running: 17,
    total: 2143,
    lastPid: 3981645,
  });
});

test('parseLoadavg: malformed input names the file', async () => {
  const cases: [string, RegExp][] = [
    ['', /\/proc\/loadavg: line 1: expected 5 fields, got 0/],
    [await fixture('loadavg-short'), /\/proc\/loadavg: line 1: expected 5 fields, got 2: "0.56 0.67"/],
    [await fixture('loadavg-bad-number'), /\/proc\/loadavg: line 1: load averages are not decimals/],
    [await fixture('loadavg-bad-tasks'), /\/proc\/loadavg: line 1: expected "running\/total lastpid"/],
  ];
  for (const [text, re] of cases) assert.throws(() => parseLoadavg(text), re);
});

test('readLoadavg: a missing file is SourceMissing naming the path', async () => {
  await assert.rejects(
    readLoadavg('/nonexistent-proc'),
    (err: unknown) => err instanceof SourceMissing && err.message.includes('/nonexistent-proc/loadavg'),
  );
});
