import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { parseMeminfo, readMeminfo } from './meminfo.ts';
import { SourceMissing } from '../source-missing.ts';

const fixture = (name: string) => readFile(new URL(`./testdata/${name}`, import.meta.url), 'utf8');

test("parseMeminfo: this machine's /proc/meminfo, kB turned into bytes", async () => {
  const text = await fixture('meminfo');
  const m = parseMeminfo(text);
  assert.equal(m.size, text.trim().split('\n').length);
  assert.equal(m.get('MemTotal'), 24684084 * 1024);
  assert.equal(m.get('MemAvailable'), 24207928 * 1024);
  assert.equal(m.get('Active(file)'), 495624 * 1024);
  // Unit-less keys are page counts, not kB.
  assert.equal(m.get('HugePages_Total'), 0);
  assert.equal(m.get('Hugepagesize'), 2048 * 1024);
  // 34359738367 kB overflows 2^32 but not a double.
  assert.equal(m.get('VmallocTotal'), 34359738367 * 1024);
});

test('parseMeminfo: Linux 3.2 has no MemAvailable', async () => {
  const m = parseMeminfo(await fixture('meminfo-linux-3.2'));
  assert.equal(m.has('MemAvailable'), false);
  assert.equal(m.get('MemFree'), 140944 * 1024);
});

test('parseMeminfo: Linux 2.4 opens with a table in bytes, passed over', async () => {
  const m = parseMeminfo(await fixture('meminfo-linux-2.4'));
  assert.equal(m.get('MemTotal'), 255876 * 1024);
  assert.equal(m.get('Cached'), 134868 * 1024);
  assert.equal(m.has('Mem'), false);
  assert.equal(m.has('MemAvailable'), false);
});

test('parseMeminfo: malformed input names the file and the line', async () => {
  const cases: [string, RegExp][] = [
    ['', /\/proc\/meminfo: .*no entries/],
    [await fixture('meminfo-bad-unit'), /\/proc\/meminfo: line 2: unknown unit MB/],
    [
      await fixture('meminfo-no-colon'),
      /\/proc\/meminfo: line 2: expected "Key: value \[kB\]": "MemFree {11}140944 kB"/,
    ],
    [await fixture('meminfo-bad-number'), /\/proc\/meminfo: line 2: MemFree is not a number/],
  ];
  for (const [text, re] of cases) assert.throws(() => parseMeminfo(text), re);
});

test('readMeminfo: a missing file is SourceMissing naming the path', async () => {
  await assert.rejects(
    readMeminfo('/nonexistent-proc'),
    (err: unknown) => err instanceof SourceMissing && err.message.includes('/nonexistent-proc/meminfo'),
  );
});
