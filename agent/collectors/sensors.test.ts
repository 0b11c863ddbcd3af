import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sensorsCollector } from './sensors.ts';
import { CollectorRunner } from './collector.ts';
import { RateTracker } from '../rates.ts';
import { SnapshotBuilder } from '../snapshot.ts';
import { memoryLogger } from '../../lib/log.ts';

const tree = (name: string) => fileURLToPath(new URL(`../hwmon/testdata/${name}`, import.meta.url));

test('temperatures and fans as labelled series, values read again each tick', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-hwmon-'));
  try {
    cpSync(tree('nct6775'), dir, { recursive: true, verbatimSymlinks: true });
    const c = sensorsCollector({ sysRoot: dir });
    const tick = async (mono: number) => {
      const out = new SnapshotBuilder(1_800_000_000);
      await c.collect(out, { mono, rates: new RateTracker(), log: memoryLogger() });
      return out.series;
    };
    assert.deepEqual(await tick(0), [
      { name: 'temp_celsius', labels: { chip: 'nct6798-isa-0290', sensor: 'SYSTIN' }, value: 34 },
      { name: 'temp_celsius', labels: { chip: 'nct6798-isa-0290', sensor: 'CPUTIN' }, value: 41.5 },
      { name: 'temp_celsius', labels: { chip: 'nct6798-isa-0290', sensor: 'AUXTIN3' }, value: -2 },
      { name: 'fan_rpm', labels: { chip: 'nct6798-isa-0290', sensor: 'fan1' }, value: 0 },
      { name: 'fan_rpm', labels: { chip: 'nct6798-isa-0290', sensor: 'fan2' }, value: 1171 },
    ]);
    writeFileSync(`${dir}/devices/platform/nct6775.656/hwmon/hwmon4/temp2_input`, '63000\n');
    const later = await tick(10);
    assert.equal(later.find((s) => s.labels.sensor === 'CPUTIN')?.value, 63);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('no hwmon (this VM): off with one line', async () => {
  const log = memoryLogger();
  const runner = new CollectorRunner([sensorsCollector({ sysRoot: '/nonexistent-sys' })], log, 60);
  await runner.runAll(new SnapshotBuilder(1), { mono: 0, rates: new RateTracker(), log });
  assert.deepEqual(log.lines, [
    'warn collector sensors off: no temperature or fan sensor under /nonexistent-sys/class/hwmon (retrying every 60 s)',
  ]);
});
