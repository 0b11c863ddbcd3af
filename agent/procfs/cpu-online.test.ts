import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseCpuList, readCpuOnline, sysRootBeside } from './cpu-online.ts';

const roots: string[] = [];
after(() => Promise.all(roots.map((r) => rm(r, { recursive: true, force: true }))));

const fixture = (name: string) => readFile(new URL(`./testdata/${name}`, import.meta.url), 'utf8');

test('parseCpuList: fixtures', async () => {
  const cases: [string, number[]][] = [
    ['cpu-online-0-3', [0, 1, 2, 3]],
    ['cpu-online-sparse', [0, 1, 2, 3, 5, 8, 9]],
    ['cpu-online-single', [0]],
  ];
  for (const [name, want] of cases) assert.deepEqual(parseCpuList(await fixture(name), name), want, name);
});

test('parseCpuList: empty list is no CPUs', () => {
  assert.deepEqual(parseCpuList(''), []);
  assert.deepEqual(parseCpuList('\n'), []);
});

test('parseCpuList: malformed lists name the file', () => {
  for (const bad of ['0-', 'a', '3-1', '0,,1', '0 1', '-1', '99999']) {
    assert.throws(
      () => parseCpuList(bad, '/sys/devices/system/cpu/online'),
      /\/sys\/devices\/system\/cpu\/online: malformed CPU list/,
      bad,
    );
  }
});

test('sysRootBeside: sysfs sits next to procfs', () => {
  assert.equal(sysRootBeside('/proc'), '/sys');
  assert.equal(sysRootBeside('/host/proc'), '/host/sys');
  assert.equal(sysRootBeside('/host/proc/'), '/host/sys');
  assert.equal(sysRootBeside('/srv/fixtures'), '/sys');
});

test('readCpuOnline reads <sysRoot>/devices/system/cpu/online', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'berth-cpu-'));
  roots.push(root);
  await mkdir(path.join(root, 'devices/system/cpu'), { recursive: true });
  await writeFile(path.join(root, 'devices/system/cpu/online'), '0-1,4\n');
  assert.deepEqual(await readCpuOnline(root), [0, 1, 4]);
  await assert.rejects(readCpuOnline(path.join(root, 'nope')), { code: 'ENOENT' });
});
