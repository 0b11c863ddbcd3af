// The smart collector with a stand-in smartctl printing smartmontools 7's answers for a SATA
// SSD, a failing HDD and an NVMe disk, and with the real smartctl of this machine, whose
// virtual disk has no S.M.A.R.T.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { smartCollector } from './smart.ts';
import { CollectorRunner } from './collector.ts';
import { RateTracker } from '../rates.ts';
import { SnapshotBuilder } from '../snapshot.ts';
import { memoryLogger } from '../../lib/log.ts';

const testdata = fileURLToPath(new URL('../smart/testdata', import.meta.url));

/** A smartctl answering from the fixtures by device: sda, sdb, nvme0; sdc sleeps; sdd refuses. */
function fakeSmartctl(dir: string): string {
  const file = path.join(dir, 'smartctl');
  writeFileSync(
    file,
    `#!/bin/sh
for last; do :; done
case "$*" in
  *--scan*) cat ${testdata}/scan-four-disks.json | sed 's#/dev/bus/0#/dev/sdc#; s#"megaraid,0"#"sat"#' ;;
  *) case "$last" in
       /dev/sda) cat ${testdata}/sata-ssd-healthy.json ;;
       /dev/sdb) cat ${testdata}/sata-hdd-failing.json; exit 24 ;;
       /dev/nvme0) cat ${testdata}/nvme-healthy.json ;;
       /dev/sdc) cat ${testdata}/loop0-sat-sleep.json; exit 2 ;;
     esac ;;
esac
`,
  );
  chmodSync(file, 0o755);
  return file;
}

async function until<T>(fn: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('never');
}

test('every disk scanned: health, temperature, hours, reallocated sectors, NVMe wear; a sleeping disk left asleep', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-smart-'));
  const log = memoryLogger();
  const c = smartCollector({ smartctl: fakeSmartctl(dir), intervalSeconds: 300, log });
  try {
    const tick = async (mono: number) => {
      const out = new SnapshotBuilder(1_800_000_000);
      await c.collect(out, { mono, rates: new RateTracker(), log });
      return out.series;
    };
    // The first tick starts the run beside it; the readings come with a later tick.
    assert.deepEqual(await tick(0), []);
    const series = await until(async () => {
      const s = await tick(10);
      return s.length ? s : undefined;
    });
    const of = (device: string) =>
      Object.fromEntries(series.filter((s) => s.labels.device === device).map((s) => [s.name, s.value]));
    assert.deepEqual(of('/dev/sda'), {
      smart_healthy: 1,
      smart_temp_celsius: 31,
      smart_power_on_seconds: 8123 * 3600,
      smart_reallocated_sectors: 0,
    });
    assert.deepEqual(of('/dev/sdb'), {
      smart_healthy: 0,
      smart_temp_celsius: 38,
      smart_power_on_seconds: 34512 * 3600,
      smart_reallocated_sectors: 1880,
    });
    assert.deepEqual(of('/dev/nvme0'), {
      smart_healthy: 1,
      smart_temp_celsius: 41,
      smart_power_on_seconds: 5132 * 3600,
      smart_nvme_used_pct: 3,
      smart_nvme_media_errors: 0,
    });
    assert.deepEqual(series.find((s) => s.labels.device === '/dev/nvme0')!.labels, {
      device: '/dev/nvme0',
      model: 'Samsung SSD 980 PRO 1TB',
      serial: 'S5GXNF0R123456A',
    });
    assert.equal(of('/dev/sdc').smart_healthy, undefined, 'asleep: not read, not woken');
    assert.deepEqual(log.lines, [], 'a sleeping disk is not news');
    // Kept for ticks between runs, dropped once two intervals old.
    assert.equal((await tick(500)).length, series.length);
    await c.close?.();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('no smartctl installed: off with one line naming the command', async () => {
  const log = memoryLogger();
  const c = smartCollector({ smartctl: '/nonexistent/smartctl', intervalSeconds: 300, log });
  const runner = new CollectorRunner([c], log, 60);
  await runner.runAll(new SnapshotBuilder(1), { mono: 0, rates: new RateTracker(), log });
  await until(async () => {
    await runner.runAll(new SnapshotBuilder(2), { mono: 1, rates: new RateTracker(), log });
    return log.lines.length ? true : undefined;
  });
  assert.match(
    log.lines[0]!,
    /^warn collector smart off: cannot run \/nonexistent\/smartctl: .*ENOENT \(install smartmontools/,
  );
  await runner.close();
});

test('no disk found: smartctl is run again only after --smart-interval, however often the runner retries', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-smart-'));
  const runs = path.join(dir, 'runs');
  const smartctl = path.join(dir, 'smartctl');
  writeFileSync(smartctl, `#!/bin/sh\necho run >> ${runs}\necho '{"devices": []}'\n`);
  chmodSync(smartctl, 0o755);
  const log = memoryLogger();
  const c = smartCollector({ smartctl, intervalSeconds: 300, log });
  const runner = new CollectorRunner([c], log, 60);
  const count = () => readFileSync(runs, 'utf8').split('\n').filter(Boolean).length;
  try {
    await runner.runAll(new SnapshotBuilder(1), { mono: 0, rates: new RateTracker(), log });
    await until(async () => (existsSync(runs) ? true : undefined));
    await new Promise((r) => setTimeout(r, 200));
    for (let mono = 10; mono < 300; mono += 10)
      await runner.runAll(new SnapshotBuilder(mono), { mono, rates: new RateTracker(), log });
    assert.equal(count(), 1);
    assert.equal(log.lines.length, 1, log.lines.join('\n'));
    for (let mono = 300; mono <= 360; mono += 10)
      await runner.runAll(new SnapshotBuilder(mono), { mono, rates: new RateTracker(), log });
    await until(async () => (count() === 2 ? true : undefined));
    assert.equal(log.lines.length, 1, 'said once');
  } finally {
    await runner.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("this machine's real smartctl: its virtual disk has none, said once", async (t) => {
  try {
    execFileSync('smartctl', ['--version']);
  } catch {
    t.skip('smartctl is not installed here');
    return;
  }
  const log = memoryLogger();
  const c = smartCollector({ intervalSeconds: 300, log });
  const runner = new CollectorRunner([c], log, 60);
  await runner.runAll(new SnapshotBuilder(1), { mono: 0, rates: new RateTracker(), log });
  await until(async () => {
    await runner.runAll(new SnapshotBuilder(2), { mono: 1, rates: new RateTracker(), log });
    return log.lines.length ? true : undefined;
  });
  assert.deepEqual(log.lines, [
    // Its first tick passed while the scan ran in the background: the runner counts that as a
    // source that was there, and retries it sooner at first.
    'warn collector smart off: smartctl --scan finds no disk (virtual disks have no S.M.A.R.T.) (it was there: trying again in 5 s, then less often, up to every 60 s)',
  ]);
  await runner.close();
});
