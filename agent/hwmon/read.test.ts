import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { readHwmon } from './read.ts';
import { chipReadings, chipSensors } from './sensors.ts';

const tree = (name: string) => fileURLToPath(new URL(`./testdata/${name}`, import.meta.url));

test('readHwmon: an Intel CPU package and its cores', () => {
  assert.deepEqual(readHwmon(tree('coretemp')), [
    {
      chip: 'coretemp-isa-0000',
      readings: [
        { kind: 'temp', sensor: 'Package id 0', value: 45 },
        { kind: 'temp', sensor: 'Core 0', value: 42 },
        { kind: 'temp', sensor: 'Core 1', value: 44 },
      ],
    },
  ]);
});

test('readHwmon: every bus of the fixture machines', () => {
  const cases: [string, string, [string, number][]][] = [
    [
      'nvme',
      'nvme-pci-0100',
      [
        ['Composite', 38.85],
        ['Sensor 1', 38.85],
        ['Sensor 2', 43.85],
      ],
    ],
    [
      'k10temp',
      'k10temp-pci-00c3',
      [
        ['Tctl', 52.375],
        ['Tccd1', 48.25],
      ],
    ],
    // No label: `sensors` says temp1.
    ['acpitz', 'acpitz-acpi-0', [['temp1', 27.8]]],
    ['drivetemp', 'drivetemp-scsi-0-0', [['temp1', 31]]],
    ['jc42', 'jc42-i2c-0-18', [['temp1', 36.25]]],
    ['iwlwifi', 'iwlwifi_1-virtual-0', [['temp1', 40]]],
    // Temperatures first, then fans; a stopped fan reads 0; a temperature can be below zero.
    [
      'nct6775',
      'nct6798-isa-0290',
      [
        ['SYSTIN', 34],
        ['CPUTIN', 41.5],
        ['AUXTIN3', -2],
        ['fan1', 0],
        ['fan2', 1171],
      ],
    ],
    // The attributes on the device itself (old drivers).
    [
      'old-driver',
      'it8728-isa-0a30',
      [
        ['temp1', 30],
        ['CPU fan', 2250],
      ],
    ],
  ];
  for (const [dir, chip, want] of cases) {
    const got = readHwmon(tree(dir));
    assert.deepEqual(
      got.map((c) => [c.chip, c.readings.map((r) => [r.sensor, r.value])]),
      [[chip, want]],
      dir,
    );
  }
  assert.deepEqual(
    readHwmon(tree('nct6775'))[0]!.readings.map((r) => r.kind),
    ['temp', 'temp', 'temp', 'fan', 'fan'],
  );
});

test('readHwmon: no hwmon class (a VM, a container without /sys) is no chip', () => {
  assert.deepEqual(readHwmon('/nonexistent-sys'), []);
});

test('chipSensors: a label given twice on one chip is told apart', () => {
  const files = new Map([
    ['temp1_input', '1'],
    ['temp1_label', 'Composite'],
    ['temp2_input', '2'],
    ['temp2_label', 'Composite'],
  ]);
  assert.deepEqual(
    chipSensors(files).map((s) => s.sensor),
    ['Composite', 'Composite (temp2)'],
  );
});

test('chipReadings: unreadable and malformed inputs are left out, the rest kept', () => {
  const files = new Map<string, string | undefined>([
    ['temp1_input', undefined],
    ['temp2_input', '41000\n'],
    ['temp3_input', 'N/A\n'],
    ['temp3_label', 'GPU'],
    ['fan1_input', '800\n'],
    ['fan1_label', '  \n'],
  ]);
  assert.deepEqual(chipReadings(files), [
    { kind: 'temp', sensor: 'temp2', value: 41 },
    { kind: 'fan', sensor: 'fan1', value: 800 },
  ]);
});
