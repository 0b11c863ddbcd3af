// Reads hwmon chips under <sys>/class/hwmon in two steps: which chips and sensors there are
// (discoverHwmon: directory listings and links, done now and then) and their values
// (readSensors: one small read per sensor, every tick). Each chip is named as `sensors` names
// it (chip-name.ts). Old drivers keep their attributes on the device rather than on the hwmon
// class device; libsensors looks there when the class device has none, and so does this.
import { readdirSync, readlinkSync } from 'node:fs';
import { readSmallFileSync } from '../procfs/procfile.ts';
import { chipName } from './chip-name.ts';
import { chipSensors, sensorValue, type SensorName, type SensorReading } from './sensors.ts';

/** A sensor and the full path of its input file. */
export type SensorFile = SensorName;

export interface ChipSensors {
  /** As `sensors` prints it: coretemp-isa-0000, nvme-pci-0100. */
  chip: string;
  sensors: SensorFile[];
}

export interface Chip {
  chip: string;
  readings: SensorReading[];
}

const ATTRIBUTE = /^(temp|fan)\d+_(input|label)$/;

function lastPart(link: string): string | undefined {
  try {
    return readlinkSync(link).split('/').pop() || undefined;
  } catch {
    return undefined;
  }
}

function tryRead(path: string): string | undefined {
  try {
    return readSmallFileSync(path);
  } catch {
    // EIO, ENODATA, EAGAIN: a sensor that cannot be read right now.
    return undefined;
  }
}

function attributes(dir: string): Map<string, string | undefined> | undefined {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => ATTRIBUTE.test(n));
  } catch {
    return undefined;
  }
  if (!names.some((n) => n.endsWith('_input'))) return undefined;
  return new Map(names.map((n) => [n, tryRead(`${dir}/${n}`)]));
}

/** Every chip with temperature or fan inputs, and the files of its sensors. */
export function discoverHwmon(sysRoot: string): ChipSensors[] {
  const base = `${sysRoot.replace(/\/+$/, '')}/class/hwmon`;
  let entries: string[];
  try {
    entries = readdirSync(base);
  } catch {
    return [];
  }
  const chips: ChipSensors[] = [];
  for (const entry of entries.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))) {
    const dir = `${base}/${entry}`;
    const device = lastPart(`${dir}/device`);
    const subsystem = device === undefined ? undefined : lastPart(`${dir}/device/subsystem`);
    for (const where of device === undefined ? [dir] : [dir, `${dir}/device`]) {
      const name = tryRead(`${where}/name`)?.trim();
      const files = name ? attributes(where) : undefined;
      if (!name || !files) continue;
      const sensors = chipSensors(files).map((s) => ({ ...s, input: `${where}/${s.input}` }));
      chips.push({ chip: chipName({ name, device, subsystem }), sensors });
      break;
    }
  }
  return chips;
}

/** The sensors' values now; one that cannot be read is left out. */
export function readSensors(chips: readonly ChipSensors[]): Chip[] {
  return chips.map((c) => ({
    chip: c.chip,
    readings: c.sensors.flatMap((s) => {
      const value = sensorValue(s.kind, tryRead(s.input));
      return value === undefined ? [] : [{ kind: s.kind, sensor: s.sensor, value }];
    }),
  }));
}

/** Discovery and reading in one: what the tests and a one-off look use. */
export function readHwmon(sysRoot: string): Chip[] {
  return readSensors(discoverHwmon(sysRoot));
}
