import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { parseMountinfo, readMountinfo, unescapeMountField } from './mountinfo.ts';
import { SourceMissing } from '../source-missing.ts';

const fixture = (name: string) => readFile(new URL(`./testdata/${name}`, import.meta.url), 'utf8');

test("parseMountinfo: this machine's /proc/self/mountinfo", async () => {
  const mounts = parseMountinfo(await fixture('mountinfo'));
  const root = mounts.find((m) => m.mountPoint === '/');
  assert.deepEqual(root, {
    mountId: 27,
    parentId: 1,
    major: 254,
    minor: 0,
    root: '/',
    mountPoint: '/',
    options: 'rw,relatime',
    optionalFields: [],
    fstype: 'ext4',
    source: '/dev/vda',
    superOptions: 'rw,discard,resv_strict,resuid=65534,resgid=65534',
  });
  const docker = mounts.find((m) => m.mountPoint === '/var/lib/docker');
  assert.equal(docker?.root, '/var/lib/docker');
  assert.deepEqual(docker?.optionalFields, ['shared:1']);
  const netns = mounts.find((m) => m.fstype === 'nsfs');
  assert.equal(netns?.root.startsWith('net:['), true);
});

test('parseMountinfo: escaped paths, several optional fields, bind mounts', async () => {
  const mounts = parseMountinfo(await fixture('mountinfo-docker-host'));
  assert.equal(mounts.length, 24);
  assert.ok(mounts.some((m) => m.mountPoint === '/mnt/backup disk'));
  const archive = mounts.find((m) => m.mountPoint === '/data\\archive');
  assert.deepEqual(archive?.optionalFields, ['shared:52', 'master:3']);
  assert.equal(archive?.fstype, 'xfs');
  assert.equal(mounts.find((m) => m.mountPoint === '/home')?.root, '/@home');
  assert.equal(mounts.find((m) => m.fstype === 'nfs4')?.source, '192.168.1.10:/export');
});

test('parseMountinfo: an empty source stays empty', () => {
  const [m] = parseMountinfo('30 26 0:40 / /mnt/x rw,relatime - tmpfs  rw\n');
  assert.equal(m.source, '');
  assert.equal(m.superOptions, 'rw');
});

test('unescapeMountField: the four characters the kernel escapes', () => {
  assert.equal(unescapeMountField('/a\\040b\\011c\\012d\\134e'), '/a b\tc\nd\\e');
  assert.equal(unescapeMountField('/plain'), '/plain');
});

test('parseMountinfo: malformed input names the file and the line', async () => {
  const cases: [string, RegExp][] = [
    [await fixture('mountinfo-no-separator'), /mountinfo: line 2: expected "id parent major:minor/],
    [await fixture('mountinfo-short'), /mountinfo: line 1: expected/],
    [await fixture('mountinfo-bad-device'), /mountinfo: line 1: bad mount id, parent id or major:minor/],
  ];
  for (const [text, re] of cases) assert.throws(() => parseMountinfo(text), re);
  assert.deepEqual(parseMountinfo(''), []);
});

test('readMountinfo: the live table has a root mount; missing pid is SourceMissing', async () => {
  assert.ok((await readMountinfo('/proc')).some((m) => m.mountPoint === '/'));
  await assert.rejects(
    readMountinfo('/nonexistent-proc', '1'),
    (err: unknown) => err instanceof SourceMissing && err.message.includes('/nonexistent-proc/1/mountinfo'),
  );
});
