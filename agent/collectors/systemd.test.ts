// The systemd collector on both cgroup versions' fixture trees, with a stand-in systemctl that
// prints systemd 252's answer and counts its runs; and on the machine's own systemd where one
// runs as pid 1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemdCollector } from './systemd.ts';
import { CollectorRunner } from './collector.ts';
import { RateTracker } from '../rates.ts';
import { SnapshotBuilder } from '../snapshot.ts';
import { memoryLogger } from '../../lib/log.ts';

const testdata = fileURLToPath(new URL('../systemd/testdata', import.meta.url));

/** A copy of a fixture tree and a systemctl that prints the recorded answer, counting runs. */
function setup(version: 'v1' | 'v2') {
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-systemd-'));
  cpSync(`${testdata}/cgroup-${version}`, dir, { recursive: true });
  const runs = path.join(dir, 'runs');
  const systemctl = path.join(dir, 'systemctl');
  writeFileSync(systemctl, `#!/bin/sh\necho "$@" >> ${runs}\ncat ${testdata}/show-services-debian12\n`);
  chmodSync(systemctl, 0o755);
  const count = () => (existsSync(runs) ? readFileSync(runs, 'utf8').trim().split('\n') : []);
  return { dir, systemctl, count, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

type Values = Map<string, number>;
async function tick(c: ReturnType<typeof systemdCollector>, rates: RateTracker, mono: number): Promise<Values> {
  const out = new SnapshotBuilder(1_800_000_000);
  await c.collect(out, { mono, rates, log: memoryLogger() });
  return new Map(out.series.map((s) => [`${s.name} ${s.labels.unit}`, s.value]));
}

test('cgroup v2: state of every service that matters, its numbers from its cgroup, rates on the second tick', async () => {
  const f = setup('v2');
  try {
    const c = systemdCollector({ rootfs: f.dir, sysRoot: `${f.dir}/sys`, systemctl: f.systemctl, log: memoryLogger() });
    const rates = new RateTracker();
    const first = await tick(c, rates, 100);
    assert.equal(first.get('unit_mem_bytes docker.service'), 87162880);
    assert.equal(first.get('unit_tasks containerd.service'), 42);
    assert.equal(first.get('unit_active ssh.service'), 1);
    assert.equal(first.get('unit_restarts berth-agent.service'), 2);
    // A failed unit: reported, failed, no cgroup numbers.
    assert.equal(first.get('unit_failed nightly-report.service'), 1);
    assert.equal(first.get('unit_active nightly-report.service'), 0);
    assert.equal(first.has('unit_mem_bytes nightly-report.service'), false);
    // Inactive ones that ended well, and not-found ones, are not reported.
    assert.equal(
      [...first.keys()].some((k) => k.endsWith('apt-daily.service')),
      false,
    );
    assert.equal(
      [...first.keys()].some((k) => k.endsWith('plymouth-quit-wait.service')),
      false,
    );
    // A template instance in its own slice, and the user manager.
    assert.equal(first.get('unit_mem_bytes getty@tty1.service'), 212992);
    assert.equal(first.get('unit_tasks user@1000.service'), 3);
    assert.equal(first.has('unit_cpu_pct docker.service'), false, 'no rate from one reading');

    // Ten seconds later docker.service used 2.5 s of CPU and wrote 40 MB.
    const d = `${f.dir}/sys/fs/cgroup/system.slice/docker.service`;
    writeFileSync(`${d}/cpu.stat`, `usage_usec ${902113442 + 2_500_000}\n`);
    writeFileSync(`${d}/io.stat`, `8:0 rbytes=120717312 wbytes=${3140456448 + 40_000_000} rios=1 wios=1\n`);
    const second = await tick(c, rates, 110);
    assert.equal(second.get('unit_cpu_pct docker.service'), 25);
    assert.equal(second.get('unit_io_write_bps docker.service'), 4_000_000);
    assert.equal(second.get('unit_io_read_bps docker.service'), 0);
    assert.equal(second.get('unit_cpu_pct ssh.service'), 0);
    assert.equal(f.count().length, 1, 'systemctl asked once within a minute');

    // A new service's cgroup in system.slice: systemd is asked at once.
    mkdirSync(`${f.dir}/sys/fs/cgroup/system.slice/nginx.service`);
    await tick(c, rates, 120);
    assert.equal(f.count().length, 2);
    // And again a minute after.
    await tick(c, rates, 181);
    assert.equal(f.count().length, 3);
    assert.match(
      f.count()[0]!,
      /^show --no-pager --property=Id,LoadState,ActiveState,SubState,Result,NRestarts,ControlGroup \*\.service$/,
    );
  } finally {
    f.cleanup();
  }
});

test('cgroup v1: memory, tasks and I/O per service; CPU where CPUAccounting gave it a cpuacct cgroup', async () => {
  const f = setup('v1');
  try {
    const c = systemdCollector({ rootfs: f.dir, sysRoot: `${f.dir}/sys`, systemctl: f.systemctl, log: memoryLogger() });
    const rates = new RateTracker();
    await tick(c, rates, 100);
    const second = await tick(c, rates, 110);
    assert.equal(second.get('unit_mem_bytes ssh.service'), 6787072);
    assert.equal(second.get('unit_cpu_pct docker.service'), 0);
    assert.equal(second.has('unit_cpu_pct ssh.service'), false);
    assert.equal(second.get('unit_io_write_bps systemd-journald.service'), 0);
    assert.equal(second.get('unit_tasks containerd.service'), 42);
  } finally {
    f.cleanup();
  }
});

test('no systemd, no systemctl: off with one line each; a failing systemctl keeps its last answer', async () => {
  const log = memoryLogger();
  const none = systemdCollector({ rootfs: '/nonexistent-root', sysRoot: '/sys', log });
  const runner = new CollectorRunner([none], log, 60);
  await runner.runAll(new SnapshotBuilder(1), { mono: 0, rates: new RateTracker(), log });
  assert.deepEqual(log.lines, [
    'warn collector systemd off: systemd is not running here (no /nonexistent-root/run/systemd/system) (retrying every 60 s)',
  ]);

  const f = setup('v2');
  try {
    const log2 = memoryLogger();
    const missing = systemdCollector({ rootfs: f.dir, sysRoot: `${f.dir}/sys`, systemctl: `${f.dir}/nope`, log: log2 });
    const r2 = new CollectorRunner([missing], log2, 60);
    await r2.runAll(new SnapshotBuilder(1), { mono: 0, rates: new RateTracker(), log: log2 });
    assert.match(log2.lines[0]!, /^warn collector systemd off: cannot run .*nope: spawn .*nope ENOENT/);

    const log3 = memoryLogger();
    const c = systemdCollector({ rootfs: f.dir, sysRoot: `${f.dir}/sys`, systemctl: f.systemctl, log: log3 });
    const rates = new RateTracker();
    await tick(c, rates, 0);
    writeFileSync(f.systemctl, '#!/bin/sh\necho "Failed to connect to bus: No such file or directory" >&2\nexit 1\n');
    const later = await c.collect(new SnapshotBuilder(2), { mono: 61, rates, log: log3 }).then(() => 'ok');
    assert.equal(later, 'ok');
    assert.deepEqual(log3.lines, [
      'warn collector systemd: systemctl show: exit 1: Failed to connect to bus: No such file or directory; using its last answer',
    ]);
  } finally {
    f.cleanup();
  }
});

test("the machine's own systemd", async (t) => {
  if (!existsSync('/run/systemd/system')) {
    const why = 'systemd is not pid 1 here (no /run/systemd/system): nothing real to read';
    // CI machines of this project run in the same sandbox kind: no systemd either, so this is
    // said rather than failed; the fixtures above stand for it.
    process.stderr.write(`skipping "${t.name}": ${why}\n`);
    t.skip(why);
    return;
  }
  const log = memoryLogger();
  const c = systemdCollector({ rootfs: '/', sysRoot: '/sys', log });
  const rates = new RateTracker();
  await tick(c, rates, performance.now() / 1000);
  await new Promise((r) => setTimeout(r, 1100));
  const v = await tick(c, rates, performance.now() / 1000);
  const active = [...v.entries()].filter(([k, x]) => k.startsWith('unit_active ') && x === 1);
  assert.ok(active.length > 0, 'some service is active');
  assert.ok(
    [...v.keys()].some((k) => k.startsWith('unit_mem_bytes ')),
    'memory of some service',
  );
  assert.deepEqual(log.lines, []);
});
