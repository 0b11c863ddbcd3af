// Disk health from smartmontools: `smartctl -j --scan` for the disks, then for each
// `smartctl -j -n standby -i -H -A -d TYPE DEVICE` (-n standby: a sleeping disk is left
// asleep and reported on a later run), every --smart-interval seconds. smartctl runs as the
// plugins do, in its own process group with a timeout, beside the ticks rather than in them:
// a tick sends the newest readings (while younger than two intervals), so a slow disk never
// holds back a sample. Needs root or CAP_SYS_RAWIO (and CAP_SYS_ADMIN for NVMe): without, the
// devices cannot be opened, which is said once.
import type { Collector } from './collector.ts';
import { SourceMissing } from '../source-missing.ts';
import type { Logger } from '../../lib/log.ts';
import { escapeControls } from '../../lib/log.ts';
import { runCommand, type RunningCommand } from '../plugins/run.ts';
import { parseSmartctl, parseSmartctlScan, type SmartReading } from '../smart/smartctl-json.ts';

export interface SmartOptions {
  /** The smartctl command (a path, or a name looked up in PATH). */
  smartctl?: string;
  /** Seconds between two runs over every disk. */
  intervalSeconds: number;
  /** One smartctl run's deadline, ms. */
  timeoutMs?: number;
  log: Logger;
}

interface Readings {
  at: number;
  disks: SmartReading[];
}

/** The series of one disk's reading. */
export function smartSeries(r: SmartReading): { name: string; value: number | undefined }[] {
  return [
    { name: 'smart_healthy', value: r.passed === undefined ? undefined : r.passed ? 1 : 0 },
    { name: 'smart_temp_celsius', value: r.temperatureC },
    { name: 'smart_power_on_seconds', value: r.powerOnHours === undefined ? undefined : r.powerOnHours * 3600 },
    { name: 'smart_reallocated_sectors', value: r.reallocatedSectors },
    { name: 'smart_nvme_used_pct', value: r.percentageUsed },
    { name: 'smart_nvme_media_errors', value: r.mediaErrors },
  ];
}

export function smartCollector(opts: SmartOptions): Collector {
  const command = opts.smartctl ?? 'smartctl';
  const timeoutMs = opts.timeoutMs ?? 30_000;
  let latest: Readings | undefined;
  let running: Promise<void> | undefined;
  let current: RunningCommand | undefined;
  let startedAt = -Infinity;
  let missing: string | undefined;
  const said = new Set<string>();
  let closed = false;

  const run = async (args: string[]) => {
    current = runCommand({ command, args, env: { ...process.env, LC_ALL: 'C' }, timeoutMs });
    const r = await current.result;
    current = undefined;
    return r;
  };
  const sayOnce = (msg: string) => {
    if (said.has(msg)) return;
    said.add(msg);
    opts.log.warn(`collector smart: ${msg}`);
  };

  const refresh = async (mono: number) => {
    const scan = await run(['-j', '--scan']);
    if (scan.error) {
      missing = `cannot run ${command}: ${scan.error.message} (install smartmontools for disk health)`;
      return;
    }
    let devices;
    try {
      devices = parseSmartctlScan(scan.stdout);
    } catch (err) {
      sayOnce((err as Error).message);
      return;
    }
    if (devices.length === 0) {
      missing = `${command} --scan finds no disk (virtual disks have no S.M.A.R.T.)`;
      return;
    }
    missing = undefined;
    const disks: SmartReading[] = [];
    for (const d of devices) {
      if (closed) return;
      const r = await run(['-j', '-n', 'standby', '-i', '-H', '-A', ...(d.type ? ['-d', d.type] : []), d.name]);
      if (r.timedOut) {
        sayOnce(`smartctl ${d.name}: no answer within ${timeoutMs / 1000} s`);
        continue;
      }
      const parsed = parseSmartctl(r.stdout);
      if ('reading' in parsed) disks.push(parsed.reading);
      // A sleeping disk is not news; anything else (no permission) is said once per disk.
      else if (!/STANDBY|SLEEP|IDLE/.test(parsed.skipped)) sayOnce(`${d.name}: ${escapeControls(parsed.skipped)}`);
    }
    latest = { at: mono, disks };
  };

  return {
    name: 'smart',
    async collect(out, ctx) {
      if (!running && ctx.mono - startedAt >= opts.intervalSeconds) {
        startedAt = ctx.mono;
        running = refresh(ctx.mono)
          .catch((err) => sayOnce((err as Error).message))
          .finally(() => (running = undefined));
      }
      // No smartctl, or no disk with S.M.A.R.T.: off until a later scan finds one. Scanned
      // again after --smart-interval, not each time the runner retries (every minute): each
      // run forks the agent, ~0.1 s of CPU.
      if (missing) throw new SourceMissing(missing);
      if (!latest || ctx.mono - latest.at > 2 * opts.intervalSeconds) return;
      for (const d of latest.disks) {
        const labels = { device: d.device, model: d.model ?? '', serial: d.serial ?? '' };
        for (const s of smartSeries(d)) out.seriesValue(s.name, labels, s.value);
      }
    },
    async close() {
      closed = true;
      current?.kill();
      await running;
    },
  };
}
