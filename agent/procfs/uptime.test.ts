import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { uptime as osUptime } from 'node:os';
import { parseUptime, readUptime } from './uptime.ts';
import { SourceMissing } from '../source-missing.ts';

const fixture = (name: string) => readFile(new URL(`./testdata/${name}`, import.meta.url), 'utf8');

test("parseUptime: this machine's /proc/uptime", async () => {
  assert.deepEqual(parseUptime(await fixture('uptime')), { uptimeSeconds: 380.64, idleSeconds: 411.44 });
});

test('parseUptime: malformed input names the file', async () => {
  const cases: [string, RegExp][] = [
    ['', /\/proc\/uptime: line 1: expected "uptime idle" in seconds/],
    [await fixture('uptime-short'), /\/proc\/uptime: line 1: .*"249.93"/],
    [await fixture('uptime-bad-number'), /\/proc\/uptime: line 1: .*"249.93 x"/],
  ];
  for (const [text, re] of cases) assert.throws(() => parseUptime(text), re);
});

test('readUptime: agrees with the live uptime (os.uptime reads the same counter)', async () => {
  const { uptimeSeconds } = await readUptime('/proc');
  assert.ok(Math.abs(uptimeSeconds - osUptime()) < 2, `${uptimeSeconds} vs ${osUptime()}`);
});

test('readUptime: a missing file is SourceMissing naming the path', async () => {
  await assert.rejects(
    readUptime('/nonexistent-proc'),
    (err: unknown) => err instanceof SourceMissing && err.message.includes('/nonexistent-proc/uptime'),
  );
});
