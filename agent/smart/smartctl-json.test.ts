import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseSmartctl, parseSmartctlScan } from './smartctl-json.ts';

const fixture = (name: string) => readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8');

test('parseSmartctl: a healthy SATA SSD', () => {
  assert.deepEqual(parseSmartctl(fixture('sata-ssd-healthy.json')), {
    reading: {
      device: '/dev/sda',
      protocol: 'ATA',
      model: 'Samsung SSD 870 EVO 1TB',
      serial: 'S6PTNZ0R612345X',
      passed: true,
      temperatureC: 31,
      powerOnHours: 8123,
      reallocatedSectors: 0,
      exitStatus: 0,
    },
  });
});

test('parseSmartctl: a SATA disk failing its own health check is a reading, not an error', () => {
  const r = parseSmartctl(fixture('sata-hdd-failing.json'));
  assert.ok('reading' in r);
  assert.equal(r.reading.passed, false);
  assert.equal(r.reading.reallocatedSectors, 1880);
  assert.equal(r.reading.temperatureC, 38);
  assert.equal(r.reading.powerOnHours, 34512);
  // Bits 3 (disk failing) and 4 (a pre-failure attribute at or under its threshold).
  assert.equal(r.reading.exitStatus, 24);
});

test('parseSmartctl: an NVMe SSD: percentage used and media errors from its health log', () => {
  assert.deepEqual(parseSmartctl(fixture('nvme-healthy.json')), {
    reading: {
      device: '/dev/nvme0',
      protocol: 'NVMe',
      model: 'Samsung SSD 980 PRO 1TB',
      serial: 'S5GXNF0R123456A',
      passed: true,
      temperatureC: 41,
      powerOnHours: 5132,
      percentageUsed: 3,
      mediaErrors: 0,
      exitStatus: 0,
    },
  });
});

test('parseSmartctl: no reading when smartctl could not read the disk (real answers of smartctl 7.3 here)', () => {
  // This machine's virtio disk: no device type (exit 1).
  assert.deepEqual(parseSmartctl(fixture('vda-unknown-type.json')), {
    skipped: '/dev/vda: Unable to detect device type',
  });
  // -n standby on a sleeping device: smartctl leaves it asleep and exits 2.
  assert.deepEqual(parseSmartctl(fixture('loop0-sat-sleep.json')), { skipped: 'Device is in SLEEP mode, exit(2)' });
});

test('parseSmartctl: what is not smartctl -j output', () => {
  assert.match((parseSmartctl('smartctl 7.3 2022-02-28 r5338') as { skipped: string }).skipped, /^not JSON/);
  assert.deepEqual(parseSmartctl('{"a":1}'), { skipped: 'not smartctl -j output (json_format_version 1)' });
  assert.deepEqual(parseSmartctl('[]'), { skipped: 'not smartctl -j output (json_format_version 1)' });
});

test('parseSmartctlScan: devices with their types; none on a VM', () => {
  assert.deepEqual(parseSmartctlScan(fixture('scan-four-disks.json')), [
    { name: '/dev/sda', type: 'sat' },
    { name: '/dev/sdb', type: 'sat' },
    { name: '/dev/nvme0', type: 'nvme' },
    { name: '/dev/bus/0', type: 'megaraid,0' },
  ]);
  assert.deepEqual(parseSmartctlScan(fixture('scan-none.json')), []);
  assert.throws(() => parseSmartctlScan('oops'), /smartctl --scan: not JSON/);
});
