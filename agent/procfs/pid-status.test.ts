import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parsePidStatus } from './pid-status.ts';

const fixture = (name: string) => readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'latin1');

test('parsePidStatus: name and user ids', () => {
  assert.deepEqual(parsePidStatus(fixture('pid-status-busy-container')), { name: 'yes', realUid: 0, effectiveUid: 0 });
  assert.deepEqual(parsePidStatus(fixture('pid-status-user')), { name: 'sleep', realUid: 4321, effectiveUid: 4321 });
  // setresuid(4321, 4322, 0): ps shows the effective user.
  assert.deepEqual(parsePidStatus(fixture('pid-status-setuid')), {
    name: 'python3',
    realUid: 4321,
    effectiveUid: 4322,
  });
});

test('parsePidStatus: no Uid line, or a short one, is an error', () => {
  assert.throws(() => parsePidStatus('Name:\tx\n'), /\/proc\/<pid>\/status: .*no Name: or Uid: line/);
  assert.throws(() => parsePidStatus('Name:\tx\nUid:\t1\t2\n'), /line 2: expected four user ids/);
});
