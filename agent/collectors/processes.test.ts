// Top processes from a /proc tree written for the test (a CPU burner in a container, a daemon
// holding memory and writing, a kernel thread, a process that exits), then from this machine's
// own /proc with real processes burning CPU and holding memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { processesCollector } from './processes.ts';
import { RateTracker } from '../rates.ts';
import { SnapshotBuilder } from '../snapshot.ts';
import { memoryLogger } from '../../lib/log.ts';
import { ContainerNames } from '../docker/names.ts';
import type { ProcessSample } from '../../protocol/batch.ts';

const ID = '8a920ad4552fe99c4052162b155e400ac1e025cb8a791d7462a1bd21389f51bb';

function statLine(pid: number, comm: string, utime: number, stime: number, rssPages: number, flags = 4194560): string {
  // Fields 3… as the kernel prints them; only state, ppid, flags, utime, stime, threads, starttime, rss matter.
  const f = [
    'S',
    '1',
    String(pid),
    String(pid),
    '0',
    '-1',
    String(flags),
    '0',
    '0',
    '0',
    '0',
    String(utime),
    String(stime),
  ];
  f.push('0', '0', '20', '0', '1', '0', '5000', '1000000', String(rssPages), '18446744073709551615');
  return `${pid} (${comm}) ${f.join(' ')} 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n`;
}

function fakeProc() {
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-proc-'));
  const proc = path.join(dir, 'proc');
  const write = (rel: string, text: string) => {
    mkdirSync(path.dirname(path.join(proc, rel)), { recursive: true });
    writeFileSync(path.join(proc, rel), text);
  };
  mkdirSync(path.join(proc, 'self'), { recursive: true });
  copyFileSync(
    fileURLToPath(new URL('../processes/testdata/auxv-x86_64', import.meta.url)),
    path.join(proc, 'self/auxv'),
  );
  const proc100 = (utime: number) => write('100/stat', statLine(100, 'yes', utime, 0, 100));
  proc100(1000);
  write('100/statm', '567 100 96 88 0 77 0\n');
  write('100/io', 'rchar: 1\nwchar: 2\nsyscr: 1\nsyscw: 1\nread_bytes: 0\nwrite_bytes: 0\ncancelled_write_bytes: 0\n');
  write('100/status', 'Name:\tyes\nUid:\t0\t0\t0\t0\n');
  write('100/cgroup', `4:memory:/docker/${ID}\n0::/docker/${ID}\n`);
  write('100/cmdline', 'yes\0');
  const proc200 = (stime: number, written: number) => {
    write('200/stat', statLine(200, 'postgres', 50, stime, 250_000));
    write(
      '200/io',
      `rchar: 1\nwchar: 2\nsyscr: 1\nsyscw: 1\nread_bytes: 4096\nwrite_bytes: ${written}\ncancelled_write_bytes: 0\n`,
    );
  };
  proc200(10, 1_000_000);
  write('200/statm', '300000 250000 2000 1000 0 200000 0\n');
  write('200/status', 'Name:\tpostgres\nUid:\t33\t33\t33\t33\n');
  write('200/cgroup', '0::/system.slice/postgresql.service\n');
  write('200/cmdline', 'postgres: checkpointer\0');
  write('2/stat', statLine(2, 'kthreadd', 0, 3, 0, 0x00208040));
  write('2/statm', '0 0 0 0 0 0 0\n');
  write('2/status', 'Name:\tkthreadd\nUid:\t0\t0\t0\t0\n');
  write('2/cgroup', '0::/\n');
  write('2/cmdline', '');
  const root = path.join(dir, 'root');
  mkdirSync(path.join(root, 'etc'), { recursive: true });
  writeFileSync(
    path.join(root, 'etc/passwd'),
    'root:x:0:0:root:/root:/bin/bash\nwww-data:x:33:33::/var/www:/usr/sbin/nologin\n',
  );
  return { proc, root, proc100, proc200, write, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

const rows = (out: SnapshotBuilder) => new Map<number, ProcessSample>(out.processes.map((p) => [p.pid, p]));

test('CPU from two readings, memory, storage I/O, user and container of each top process', async () => {
  const f = fakeProc();
  try {
    const names = new ContainerNames();
    names.set([{ id: ID, name: 'burner' }]);
    const log = memoryLogger();
    const c = processesCollector({ procRoot: f.proc, rootfs: f.root, top: 10, names, log });
    const tick = async (mono: number) => {
      const out = new SnapshotBuilder(1_800_000_000);
      await c.collect(out, { mono, rates: new RateTracker(), log });
      return rows(out);
    };
    const first = await tick(100);
    // First sight: no CPU share yet; memory ranks them already.
    assert.equal(first.get(100)!.cpu_pct, undefined);
    assert.equal(first.get(200)!.mem_bytes, 250_000 * 4096);
    // Ten seconds on: yes used 9.5 s of CPU; postgres 0.5 s and wrote 40 MB.
    f.proc100(1950);
    f.proc200(60, 41_000_000);
    const second = await tick(110);
    assert.deepEqual(second.get(100), {
      pid: 100,
      name: 'yes',
      command: 'yes',
      user: 'root',
      container: 'burner',
      cpu_pct: 95,
      mem_bytes: 100 * 4096,
      read_bps: 0,
      write_bps: 0,
    });
    assert.deepEqual(second.get(200), {
      pid: 200,
      name: 'postgres',
      command: 'postgres: checkpointer',
      user: 'www-data',
      cpu_pct: 5,
      mem_bytes: 250_000 * 4096,
      read_bps: 0,
      write_bps: 4_000_000,
    });
    // The kernel thread used CPU once (first reading only): nothing since, no memory: not listed.
    assert.equal(second.has(2), false);
    assert.deepEqual([...second.keys()], [100, 200], 'CPU order');
    // A process that exits is gone from the next list; a pid taken again is a new process.
    rmSync(path.join(f.proc, '100'), { recursive: true });
    const third = await tick(120);
    assert.equal(third.has(100), false);
    f.write('100/stat', statLine(100, 'sh', 5, 5, 10).replace(' 5000 ', ' 9000 '));
    f.write('100/status', 'Name:\tsh\nUid:\t0\t0\t0\t0\n');
    f.write('100/cmdline', 'sh\0-c\0true\0');
    const fourth = await tick(130);
    assert.equal(fourth.get(100)?.command, 'sh -c true');
    assert.equal(fourth.get(100)?.cpu_pct, undefined, 'a new process: no share from the old one');
    assert.deepEqual(log.lines, []);
    await c.close?.();
  } finally {
    f.cleanup();
  }
});

test('--top 1: one per measure', async () => {
  const f = fakeProc();
  try {
    const log = memoryLogger();
    const c = processesCollector({ procRoot: f.proc, rootfs: f.root, top: 1, log });
    const out = new SnapshotBuilder(1_800_000_000);
    await c.collect(out, { mono: 1, rates: new RateTracker(), log });
    f.proc100(1950);
    f.proc200(60, 1_000_000);
    const out2 = new SnapshotBuilder(1_800_000_010);
    await c.collect(out2, { mono: 11, rates: new RateTracker(), log });
    // yes tops CPU, postgres memory; nobody did I/O.
    assert.deepEqual(
      out2.processes.map((p) => p.pid),
      [100, 200],
    );
    // Not listed as a container by id when no docker collector named it: its short id.
    assert.equal(out2.processes[0]!.container, ID.slice(0, 12));
  } finally {
    f.cleanup();
  }
});

test("this machine's /proc: a process burning a core and one holding 200 MB are on top", async (t) => {
  const burner = spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' });
  const holder = spawn(
    process.execPath,
    ['-e', 'const b=Buffer.alloc(200*2**20,1);process.stdout.write("ready");setInterval(()=>b[0]++,1000)'],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const ready = new Promise((r) => holder.stdout!.once('data', r));
  t.after(() => {
    burner.kill('SIGKILL');
    holder.kill('SIGKILL');
  });
  const log = memoryLogger();
  const c = processesCollector({ procRoot: '/proc', rootfs: '/', top: 10, log });
  // What the burner used, read apart from the collector: utime + stime, in clock ticks.
  const used = () => {
    const f = readFileSync(`/proc/${burner.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return Number(f[11]) + Number(f[12]);
  };
  await ready;
  const t0 = performance.now() / 1000;
  const u0 = used();
  await c.collect(new SnapshotBuilder(1), { mono: t0, rates: new RateTracker(), log });
  await new Promise((r) => setTimeout(r, 2000));
  const t1 = performance.now() / 1000;
  const u1 = used();
  const out = new SnapshotBuilder(2);
  await c.collect(out, { mono: t1, rates: new RateTracker(), log });
  const mine = rows(out);
  const burn = mine.get(burner.pid!);
  const hold = mine.get(holder.pid!);
  // A shared 2-core machine gives it what it gives; the collector says what it got.
  const expected = ((u1 - u0) / 100 / (t1 - t0)) * 100;
  if (burn) {
    assert.ok(Math.abs(burn.cpu_pct! - expected) <= 3, `burner at ${burn.cpu_pct} %, it used ${expected} %`);
    assert.ok(burn.cpu_pct! > 1, 'it burns');
    assert.match(burn.command, /for\(;;\)\{\}/);
  } else {
    // On a machine this busy ten others can use more than the burner gets: then they are the
    // top ten, and the burner is rightly left out.
    const busier = out.processes.filter((p) => p.cpu_pct !== undefined && p.cpu_pct >= expected - 3);
    assert.ok(
      busier.length >= 10,
      `the burner (${expected.toFixed(1)} %) is left out only for ten busier processes: ${busier.map((p) => `${p.pid} ${p.cpu_pct} %`).join(', ')}`,
    );
    t.diagnostic(`the burner got ${expected.toFixed(1)} % and ten processes used more`);
  }
  assert.ok(hold && hold.mem_bytes > 200 * 2 ** 20, `holder holds ${hold?.mem_bytes}`);
  assert.ok(out.processes.length <= 30);
  await c.close?.();
});
