// Temperatures and fan speeds from /sys/class/hwmon, as labelled series temp_celsius and
// fan_rpm with the chip and sensor named as `sensors` (lm-sensors) names them. Which chips and
// sensors exist is looked up now and then (every few minutes: drivers can be loaded later);
// the values are read every tick. Off, with one line, where there is no hwmon chip (most VMs).
import type { Collector } from './collector.ts';
import { SourceMissing } from '../source-missing.ts';
import { discoverHwmon, readSensors, type ChipSensors } from '../hwmon/read.ts';

export interface SensorsOptions {
  sysRoot: string;
}

/** Seconds between two looks for chips and sensors. */
export const DISCOVER_EVERY_SECONDS = 300;

export function sensorsCollector(opts: SensorsOptions): Collector {
  let chips: ChipSensors[] | undefined;
  let discoveredAt = -Infinity;
  return {
    name: 'sensors',
    async collect(out, ctx) {
      if (!chips || ctx.mono - discoveredAt >= DISCOVER_EVERY_SECONDS) {
        chips = discoverHwmon(opts.sysRoot);
        discoveredAt = ctx.mono;
      }
      if (chips.length === 0) {
        chips = undefined;
        throw new SourceMissing(`no temperature or fan sensor under ${opts.sysRoot}/class/hwmon`);
      }
      for (const c of readSensors(chips)) {
        for (const r of c.readings) {
          out.seriesValue(r.kind === 'temp' ? 'temp_celsius' : 'fan_rpm', { chip: c.chip, sensor: r.sensor }, r.value);
        }
      }
    },
  };
}
