import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { filesystemCollector, fsUsage, selectFilesystems, type FsStat } from './filesystem.ts';
import type { CollectContext } from './collector.ts';
import { SourceMissing } from '../source-missing.ts';
import { parseMountinfo } from '../procfs/mountinfo.ts';
import { SnapshotBuilder } from '../snapshot.ts';
import { RateTracker } from '../rates.ts';
import { memoryLogger } from '../../lib/log.ts';
import { tempDir } from '../../test/support/temp.ts';

const fixture = (name: string) => readFile(new URL(`../procfs/testdata/${name}`, import.meta.url), 'utf8');
const ctx = (): CollectContext => ({ mono: 0, rates: new RateTracker(), log: memoryLogger() });

test('selectFilesystems: a Docker host keeps real file systems, each device once', async () => {
  const picked = selectFilesystems(parseMountinfo(await fixture('mountinfo-docker-host')));
  assert.deepEqual(
    picked.map((m) => [m.mountPoint, m.fstype, m.source]),
    [
      ['/', 'ext4', '/dev/nvme0n1p2'], // not its binds /var/lib/docker and /srv/www-ro
      ['/boot/efi', 'vfat', '/dev/nvme0n1p1'],
      ['/data\\archive', 'xfs', '/dev/sdd1'],
      ['/home', 'btrfs', '/dev/sda1'], // and not /var/log, another subvolume of the same btrfs
      ['/media/usb', 'fuseblk', '/dev/sdc1'],
      ['/mnt/backup disk', 'ext4', '/dev/sdb1'],
      ['/tank', 'zfs', 'tank'],
      ['/tank/media', 'zfs', 'tank/media'],
    ],
  );
});

test('selectFilesystems: include and exclude fs types', async () => {
  const mounts = parseMountinfo(await fixture('mountinfo-docker-host'));
  const withNfs = selectFilesystems(mounts, ['nfs4'], ['zfs', 'vfat']).map((m) => m.mountPoint);
  assert.ok(withNfs.includes('/mnt/nas'));
  assert.ok(!withNfs.includes('/tank') && !withNfs.includes('/boot/efi'));
  assert.ok(!selectFilesystems(mounts, ['nfs4'], ['nfs*']).some((m) => m.mountPoint === '/mnt/nas'), 'exclude wins');
});

test("selectFilesystems: this machine's capture keeps / once, not the /var/lib/docker bind", async () => {
  const picked = selectFilesystems(parseMountinfo(await fixture('mountinfo')));
  assert.deepEqual(
    picked.map((m) => [m.mountPoint, m.source]),
    [['/', '/dev/vda']],
  );
});

test("fsUsage: df's arithmetic, reserved blocks excluded from Use%", () => {
  // ext4 with 5 % reserved for root: 1000 blocks, 600 free, 550 available to users.
  const u = fsUsage({ bsize: 4096, blocks: 1000, bfree: 600, bavail: 550 });
  assert.equal(u.used, 400 * 4096);
  assert.equal(u.total, 1000 * 4096);
  assert.equal(u.avail, 550 * 4096);
  assert.equal(u.usedPct, (100 * 400) / 950);
  assert.equal(fsUsage({ bsize: 4096, blocks: 0, bfree: 0, bavail: 0 }).usedPct, undefined);
  // A full file system with root's reserve in use: df says 100 %.
  assert.equal(fsUsage({ bsize: 1024, blocks: 100, bfree: 3, bavail: 0 }).usedPct, 100);
});

test('filesystemCollector: host mounts seen from a container, statfs under rootfs', async () => {
  const procRoot = tempDir('berth-proc-');
  await mkdir(path.join(procRoot, '1'));
  await writeFile(path.join(procRoot, '1/mountinfo'), await fixture('mountinfo-docker-host'));
  const asked: string[] = [];
  const statfs = async (p: string): Promise<FsStat> => {
    asked.push(p);
    if (p === '/host/root/tank/media') throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    return { bsize: 4096, blocks: 1000, bfree: 250, bavail: 200 };
  };
  const out = new SnapshotBuilder(0);
  await filesystemCollector({ procRoot, rootfs: '/host/root/', statfs }).collect(out, ctx());
  assert.deepEqual(asked.sort(), [
    '/host/root/',
    '/host/root/boot/efi',
    '/host/root/data\\archive',
    '/host/root/home',
    '/host/root/media/usb',
    '/host/root/mnt/backup disk',
    '/host/root/tank',
    '/host/root/tank/media',
  ]);
  const root = out.series.filter((s) => s.labels.mount === '/');
  assert.deepEqual(
    root.map((s) => [s.name, s.value]),
    [
      ['fs_used_bytes', 750 * 4096],
      ['fs_total_bytes', 1000 * 4096],
      ['fs_avail_bytes', 200 * 4096],
      ['fs_used_pct', (100 * 750) / 950],
    ],
  );
  assert.deepEqual(root[0].labels, { mount: '/', device: '/dev/nvme0n1p2', fstype: 'ext4' });
  // Seven answered (tank/media refused): the totals add those seven.
  assert.deepEqual(out.host, {
    fs_used_bytes: 7 * 750 * 4096,
    fs_total_bytes: 7 * 1000 * 4096,
    fs_avail_bytes: 7 * 200 * 4096,
  });
});

test('filesystemCollector: a hung statfs is given up on and not started again', async () => {
  const procRoot = tempDir('berth-proc-');
  await mkdir(path.join(procRoot, 'self'));
  await writeFile(
    path.join(procRoot, 'self/mountinfo'),
    '26 1 259:2 / / rw - ext4 /dev/nvme0n1p2 rw\n27 26 8:17 / /stuck rw - ext4 /dev/sdb1 rw\n',
  );
  let calls = 0;
  let release: () => void = () => {};
  const statfs = (p: string): Promise<FsStat> => {
    if (p !== '/stuck') return Promise.resolve({ bsize: 1024, blocks: 10, bfree: 5, bavail: 5 });
    calls++;
    if (calls > 1) return Promise.resolve({ bsize: 1024, blocks: 10, bfree: 5, bavail: 5 });
    return new Promise((resolve) => {
      release = () => resolve({ bsize: 1024, blocks: 10, bfree: 5, bavail: 5 });
    });
  };
  const c = filesystemCollector({ procRoot, statfs, statfsTimeoutMs: 20 });
  const first = new SnapshotBuilder(0);
  await c.collect(first, ctx());
  assert.deepEqual([...new Set(first.series.map((s) => s.labels.mount))], ['/']);
  await c.collect(new SnapshotBuilder(1), ctx());
  assert.equal(calls, 1);
  release();
  await new Promise((r) => setImmediate(r));
  const after = new SnapshotBuilder(2);
  await c.collect(after, ctx());
  assert.equal(calls, 2);
  assert.deepEqual([...new Set(after.series.map((s) => s.labels.mount))], ['/', '/stuck']);
});

test('filesystemCollector: a missing mountinfo is SourceMissing naming the path', async () => {
  await assert.rejects(
    filesystemCollector({ procRoot: '/nonexistent-proc', rootfs: '/host/root' }).collect(new SnapshotBuilder(0), ctx()),
    (err: unknown) => err instanceof SourceMissing && err.message.includes('/nonexistent-proc/1/mountinfo'),
  );
});

test('filesystemCollector: agrees with `df -B1` on this machine (live)', async (t) => {
  const out = new SnapshotBuilder(0);
  await filesystemCollector({ procRoot: '/proc' }).collect(out, ctx());
  const mounts = [...new Set(out.series.map((s) => s.labels.mount))];
  if (mounts.length === 0) {
    // Inside a container / is an overlay and everything else may be pseudo or bind-mounted
    // files of the host's disks: nothing here is a file system the collector reports.
    const root = (await readFile('/proc/self/mountinfo', 'utf8')).split('\n').find((l) => l.split(' ')[4] === '/');
    const why = `no real file system in this mount table (/ is ${root?.split(' - ')[1]?.split(' ')[0] ?? 'unknown'})`;
    process.stderr.write(`skipping "${t.name}": ${why}\n`);
    t.skip(why);
    return;
  }
  // df is asked about exactly the mounts the collector reports (wherever / is an overlay, df
  // would list that too, which the collector leaves out on purpose).
  const { stdout } = await promisify(execFile)('df', ['-B1', '--output=size,used,avail,pcent,target', ...mounts]);
  const rows = stdout.trim().split('\n').slice(1);
  assert.equal(rows.length, mounts.length, `df lists every mount the collector reports:\n${stdout}`);
  for (const row of rows) {
    const [size, used, avail, pcent, target] = row.trim().split(/\s+/);
    assert.ok(mounts.includes(target), `df row ${target} is one of ${mounts.join(', ')}`);
    const v = (name: string) => out.series.find((s) => s.name === name && s.labels.mount === target)?.value;
    assert.equal(v('fs_total_bytes'), Number(size), `${target} size`);
    // Used and free move between the two reads; 1 % of the size is plenty.
    assert.ok(Math.abs(v('fs_used_bytes')! - Number(used)) <= Number(size) / 100, `${target} used`);
    assert.ok(Math.abs(v('fs_avail_bytes')! - Number(avail)) <= Number(size) / 100, `${target} avail`);
    // df rounds Use% up.
    assert.ok(
      Math.abs(Math.ceil(v('fs_used_pct')!) - Number(pcent.replace('%', ''))) <= 1,
      `${target} ${v('fs_used_pct')} vs ${pcent}`,
    );
  }
});
