// systemd services: each running (or failed, or restarted) service's CPU, memory, block I/O
// and tasks from its cgroup every tick, with its state and automatic restarts from
// `systemctl show` (one run for all services; again only once a minute or when a service's
// cgroup came or went in system.slice, since a process per tick would cost more than the rest
// of the agent). Off, with one line, where systemd does not run (no /run/systemd/system).
import { existsSync, readdirSync } from 'node:fs';
import type { Collector } from './collector.ts';
import { SourceMissing } from '../source-missing.ts';
import type { Logger } from '../../lib/log.ts';
import { detectHierarchy, type CgroupHierarchy } from '../cgroup/hierarchy.ts';
import { cgroupDir, readCgroup, type IoEntry } from '../cgroup/read.ts';
import { runCommand, type RunningCommand } from '../plugins/run.ts';
import { parseSystemctlShow, SYSTEMCTL_PROPERTIES, type UnitState } from '../systemd/systemctl-show.ts';
import { reported, stateValues } from '../systemd/units.ts';
import { escapeControls } from '../../lib/log.ts';

export interface SystemdOptions {
  rootfs: string;
  sysRoot: string;
  /** The systemctl command (a path, or a name looked up in PATH). */
  systemctl?: string;
  timeoutMs?: number;
  log: Logger;
}

/** Seconds between two `systemctl show` runs when nothing seems to have changed. */
export const SYSTEMCTL_EVERY_SECONDS = 60;

function ioBytes(io: IoEntry[] | undefined): { read?: number; write?: number } {
  if (!io) return {};
  let read = 0;
  let write = 0;
  for (const e of io) {
    const op = e.op.toLowerCase();
    if (op === 'read') read += e.value;
    else if (op === 'write') write += e.value;
  }
  return { read, write };
}

export function systemdCollector(opts: SystemdOptions): Collector {
  const root = opts.rootfs.replace(/\/+$/, '');
  let hierarchy: CgroupHierarchy | undefined;
  let units: UnitState[] | undefined;
  let askedAt = -Infinity;
  let sliceSeen = '';
  let running: RunningCommand | undefined;
  let lastProblem: string | undefined;

  /** The services with a cgroup directly in system.slice: a change there asks systemd again. */
  const sliceListing = (h: CgroupHierarchy): string => {
    const dir = cgroupDir(h, '/system.slice', 'memory') ?? cgroupDir(h, '/system.slice', 'pids');
    try {
      return dir === undefined
        ? ''
        : readdirSync(dir)
            .filter((n) => n.endsWith('.service'))
            .join(' ');
    } catch {
      return '';
    }
  };

  const ask = async (): Promise<UnitState[]> => {
    running = runCommand({
      command: opts.systemctl ?? 'systemctl',
      args: ['show', '--no-pager', `--property=${SYSTEMCTL_PROPERTIES.join(',')}`, '*.service'],
      env: { ...process.env, SYSTEMD_PAGER: '', LC_ALL: 'C' },
      timeoutMs: opts.timeoutMs ?? 10_000,
    });
    const r = await running.result;
    running = undefined;
    if (r.error) throw new SourceMissing(`cannot run ${opts.systemctl ?? 'systemctl'}: ${r.error.message}`);
    if (r.timedOut) throw new Error(`systemctl show: no answer within ${(opts.timeoutMs ?? 10_000) / 1000} s`);
    if (r.code !== 0)
      throw new Error(`systemctl show: exit ${r.code}: ${escapeControls(r.stderr.trim().split('\n')[0] ?? '')}`);
    return parseSystemctlShow(r.stdout);
  };

  return {
    name: 'systemd',
    async collect(out, ctx) {
      if (!existsSync(`${root}/run/systemd/system`))
        throw new SourceMissing(`systemd is not running here (no ${root}/run/systemd/system)`);
      hierarchy ??= detectHierarchy(opts.sysRoot);
      if (!hierarchy) throw new SourceMissing(`no cgroup hierarchy under ${opts.sysRoot}/fs/cgroup`);
      const listing = sliceListing(hierarchy);
      if (!units || ctx.mono - askedAt >= SYSTEMCTL_EVERY_SECONDS || listing !== sliceSeen) {
        try {
          units = await ask();
          lastProblem = undefined;
        } catch (err) {
          if (err instanceof SourceMissing || !units) throw err;
          // Keep the last answer a while: the cgroup numbers need no systemctl.
          const msg = (err as Error).message;
          if (msg !== lastProblem) opts.log.warn(`collector systemd: ${msg}; using its last answer`);
          lastProblem = msg;
        }
        askedAt = ctx.mono;
        sliceSeen = listing;
      }
      for (const u of units) {
        if (!reported(u)) continue;
        const labels = { unit: u.unit };
        const s = stateValues(u);
        out.seriesValue('unit_active', labels, s.active);
        out.seriesValue('unit_failed', labels, s.failed);
        out.seriesValue('unit_restarts', labels, s.restarts);
        if (!u.controlGroup) continue;
        const c = readCgroup(hierarchy, u.controlGroup, { recursiveIo: true });
        if (!c) continue;
        const key = `systemd ${u.unit}`;
        if (c.cpuNs !== undefined) {
          const r = ctx.rates.rate(`${key} cpu`, c.cpuNs, ctx.mono);
          out.seriesValue('unit_cpu_pct', labels, r === undefined ? undefined : r / 1e7);
        }
        out.seriesValue('unit_mem_bytes', labels, c.memUsage);
        out.seriesValue('unit_tasks', labels, c.pids);
        const io = ioBytes(c.io);
        if (io.read !== undefined)
          out.seriesValue('unit_io_read_bps', labels, ctx.rates.rate(`${key} read`, io.read, ctx.mono));
        if (io.write !== undefined)
          out.seriesValue('unit_io_write_bps', labels, ctx.rates.rate(`${key} write`, io.write, ctx.mono));
      }
    },
    close() {
      running?.kill();
    },
  };
}
