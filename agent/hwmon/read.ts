// Reads every hwmon chip under <sys>/class/hwmon: its name, the device it hangs off (for the
// chip name `sensors` prints) and its temperature and fan inputs. Old drivers keep their
// attributes on the device rather than on the hwmon class device; libsensors looks there when
// the class device has none, and so does this.
import { readdirSync, readlinkSync } from 'node:fs';
import { readSmallFileSync } from '../procfs/procfile.ts';
import { chipName } from './chip-name.ts';
import { chipReadings, type SensorReading } from './sensors.ts';

export interface Chip {
  /** As `sensors` prints it: coretemp-isa-0000, nvme-pci-0100. */
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

function attributes(dir: string): Map<string, string | undefined> | undefined {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => ATTRIBUTE.test(n));
  } catch {
    return undefined;
  }
  if (!names.some((n) => n.endsWith('_input'))) return undefined;
  const out = new Map<string, string | undefined>();
  for (const n of names) {
    try {
      out.set(n, readSmallFileSync(`${dir}/${n}`));
    } catch {
      // EIO, ENODATA, EAGAIN: a sensor that cannot be read right now.
      out.set(n, undefined);
    }
  }
  return out;
}

export function readHwmon(sysRoot: string): Chip[] {
  const base = `${sysRoot.replace(/\/+$/, '')}/class/hwmon`;
  let entries: string[];
  try {
    entries = readdirSync(base);
  } catch {
    return [];
  }
  const chips: Chip[] = [];
  for (const entry of entries.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))) {
    const dir = `${base}/${entry}`;
    const device = lastPart(`${dir}/device`);
    const subsystem = device === undefined ? undefined : lastPart(`${dir}/device/subsystem`);
    for (const where of device === undefined ? [dir] : [dir, `${dir}/device`]) {
      const name = readSmallFileSync(`${where}/name`)?.trim();
      const files = name ? attributes(where) : undefined;
      if (!name || !files) continue;
      chips.push({ chip: chipName({ name, device, subsystem }), readings: chipReadings(files) });
      break;
    }
  }
  return chips;
}
