import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { pageSizeFromAuxv } from './page-size.ts';
import { parsePasswd } from './passwd.ts';
import { commandLine, cpuPercent, pickTop, type ProcessUsage } from './top.ts';

test("pageSizeFromAuxv: this machine's auxiliary vector says 4 KiB; none in a truncated one", () => {
  const auxv = readFileSync(new URL('./testdata/auxv-x86_64', import.meta.url));
  assert.equal(pageSizeFromAuxv(auxv, true), 4096);
  assert.equal(pageSizeFromAuxv(auxv.subarray(0, 16), true), undefined);
  // AT_PAGESZ = 64 KiB, then AT_NULL.
  const arm = Buffer.alloc(48);
  arm.writeBigUInt64LE(6n, 0);
  arm.writeBigUInt64LE(65536n, 8);
  assert.equal(pageSizeFromAuxv(arm, true), 65536);
});

test('parsePasswd: names by uid; the first name of a uid wins; comments and junk skipped', () => {
  const users = parsePasswd(
    [
      'root:x:0:0:root:/root:/bin/bash',
      '# a comment',
      'www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin',
      'toor:x:0:0::/root:/bin/sh',
      'broken line',
      'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
      '',
    ].join('\n'),
  );
  assert.deepEqual(
    [...users],
    [
      [0, 'root'],
      [33, 'www-data'],
      [65534, 'nobody'],
    ],
  );
});

test('pickTop: the top N of each measure, once each, in CPU order', () => {
  const p = (pid: number, cpuPct: number | undefined, memBytes: number, io = 0): ProcessUsage => ({
    key: `${pid}:1`,
    pid,
    cpuPct,
    memBytes,
    readBps: io,
    writeBps: 0,
  });
  const all = [
    p(1, 0, 10_000),
    p(2, 90, 100),
    p(3, 50, 9_000_000),
    p(4, 0, 500, 5e6),
    p(5, 10, 200),
    p(6, undefined, 1),
  ];
  assert.deepEqual(
    pickTop(all, 1).map((x) => x.pid),
    [2, 3, 4],
  );
  assert.deepEqual(
    pickTop(all, 2).map((x) => x.pid),
    [2, 3, 1, 4],
  );
  assert.deepEqual(pickTop(all, 0), []);
});

test('cpuPercent and commandLine: as top and ps show them', () => {
  assert.equal(cpuPercent(1000, 1250, 10), 25);
  assert.equal(cpuPercent(1000, 2000, 5), 200, 'two cores');
  assert.equal(cpuPercent(1000, 900, 10), undefined);
  assert.equal(cpuPercent(1000, 1100, 0), undefined);
  assert.equal(commandLine('nginx: worker process\0', 'nginx'), 'nginx: worker process');
  assert.equal(
    commandLine('/usr/bin/node\0server.js\0--port\x003000\0', 'node'),
    '/usr/bin/node server.js --port 3000',
  );
  assert.equal(commandLine('', 'kworker/0:1'), '[kworker/0:1]');
  assert.equal(commandLine(undefined, 'kthreadd'), '[kthreadd]');
  assert.equal(commandLine('a\0'.repeat(600), 'x', 20).length, 20);
});
