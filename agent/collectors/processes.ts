// Top processes: every tick, every process's CPU time and resident memory from /proc/<pid>/stat
// (kept open between ticks, one pread each), its storage I/O from /proc/<pid>/io where this
// agent may read it (root; read only for processes that ran since the last tick, as only they
// can have done I/O), then for the top N by CPU, by memory and by I/O (--top) their command line,
// user (/proc/<pid>/status, named from <rootfs>/etc/passwd), memory (statm) and container (from
// /proc/<pid>/cgroup, named as the docker collector lists it). Sent as the tick's process rows.
import { readdirSync, readFileSync } from 'node:fs';
import type { Collector } from './collector.ts';
import type { Logger } from '../../lib/log.ts';
import { OpenFiles } from '../procfs/open-files.ts';
import { readSmallFileSync, underRoot } from '../procfs/procfile.ts';
import { parsePidStat, type PidStat } from '../procfs/pid-stat.ts';
import { parsePidStatm } from '../procfs/pid-statm.ts';
import { parsePidIo } from '../procfs/pid-io.ts';
import { parsePidStatus } from '../procfs/pid-status.ts';
import { cgroupPathFor, parsePidCgroup } from '../procfs/pid-cgroup.ts';
import { containerIdOfCgroup } from '../cgroup/layout.ts';
import { pageSizeFromAuxv } from '../processes/page-size.ts';
import { parsePasswd } from '../processes/passwd.ts';
import { commandLine, cpuPercent, pickTop, type ProcessUsage } from '../processes/top.ts';
import type { ContainerNames } from '../docker/names.ts';

export interface ProcessesOptions {
  procRoot: string;
  rootfs: string;
  /** Processes per list (CPU, memory, I/O). */
  top: number;
  names?: ContainerNames;
  log: Logger;
}

interface Last {
  ticks: number;
  at: number;
  read?: number;
  write?: number;
  /** Its /proc/<pid>/io refused this agent (another user's process, or pid 1 of some VMs). */
  ioDenied?: boolean;
}

interface Details {
  command: string;
  user?: string;
  container?: string;
  at: number;
}

/** Seconds a process's command, user and container are kept before they are read again. */
const DETAILS_SECONDS = 60;

export function processesCollector(opts: ProcessesOptions): Collector {
  const root = opts.procRoot.replace(/\/+$/, '');
  const stats = new OpenFiles();
  let last = new Map<string, Last>();
  let details = new Map<string, Details>();
  let pageSize: number | undefined;
  let users: { at: number; byUid: Map<number, string> } | undefined;
  /** False once /proc/<pid>/io proved closed to this agent (not root): not tried again. */
  let ioReadable = true;
  let ioOpened = 0;
  let ioRefused = 0;

  const userOf = (uid: number, mono: number): string => {
    if (!users || mono - users.at >= DETAILS_SECONDS) {
      const text = readSmallFileSync(`${opts.rootfs.replace(/\/+$/, '')}/etc/passwd`, 'utf8');
      users = { at: mono, byUid: text === undefined ? new Map() : parsePasswd(text) };
    }
    return users.byUid.get(uid) ?? String(uid);
  };

  /** A process's I/O counters; 'denied' when its io file is closed to this agent. */
  const readIo = (pid: string): { read: number; write: number } | 'denied' | undefined => {
    try {
      const text = readSmallFileSync(`${root}/${pid}/io`);
      if (text === undefined) return undefined;
      const io = parsePidIo(text);
      ioOpened++;
      return { read: io.readBytes, write: io.writeBytes };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EACCES' && code !== 'EPERM') return undefined;
      // Not root: every other user's process refuses. Said once, and not asked again.
      if (++ioRefused >= 20 && ioOpened === 0) {
        ioReadable = false;
        opts.log.info(
          'collector processes: /proc/<pid>/io is closed to this agent (not root): top processes by I/O left out',
        );
      }
      return 'denied';
    }
  };

  return {
    name: 'processes',
    async collect(out, ctx) {
      if (pageSize === undefined) {
        pageSize = pageSizeFromAuxv(readFileSync(`${root}/self/auxv`)) ?? 4096;
      }
      const pids = readdirSync(root).filter((d) => d.charCodeAt(0) >= 48 && d.charCodeAt(0) <= 57);
      const next = new Map<string, Last>();
      const usage: (ProcessUsage & { stat: PidStat })[] = [];
      for (const pid of pids) {
        const text = stats.read(`${root}/${pid}/stat`);
        if (text === undefined) continue;
        let s: PidStat;
        try {
          s = parsePidStat(text);
        } catch {
          continue;
        }
        const mono = ctx.mono;
        const key = `${pid}:${s.starttime}`;
        const ticks = s.utime + s.stime;
        const prev = last.get(key);
        const seconds = prev ? mono - prev.at : 0;
        const now: Last = { ticks, at: mono };
        let readBps: number | undefined;
        let writeBps: number | undefined;
        if (ioReadable && !prev?.ioDenied) {
          // A process that did not run did no I/O: its counters stand, its rates are 0.
          const ran = !prev || ticks > prev.ticks || prev.read === undefined;
          const io = ran ? readIo(pid) : { read: prev.read!, write: prev.write! };
          if (io === 'denied') now.ioDenied = true;
          else if (io) {
            now.read = io.read;
            now.write = io.write;
            if (prev?.read !== undefined && seconds > 0 && io.read >= prev.read && io.write >= prev.write!) {
              readBps = (io.read - prev.read) / seconds;
              writeBps = (io.write - prev.write!) / seconds;
            }
          }
        }
        next.set(key, now);
        usage.push({
          key,
          pid: s.pid,
          cpuPct: prev ? cpuPercent(prev.ticks, ticks, seconds) : undefined,
          memBytes: s.rssPages * pageSize,
          readBps,
          writeBps,
          stat: s,
        });
      }
      last = next;
      stats.sweep();

      const picked = pickTop(usage, opts.top);
      const kept = new Map<string, Details>();
      for (const p of picked) {
        const { stat } = p as ProcessUsage & { stat: PidStat };
        let d = details.get(p.key);
        if (!d || ctx.mono - d.at >= DETAILS_SECONDS) {
          const cmdline = readSmallFileSync(`${root}/${p.pid}/cmdline`, 'utf8');
          const status = readSmallFileSync(`${root}/${p.pid}/status`, 'utf8');
          const cgroup = readSmallFileSync(`${root}/${p.pid}/cgroup`);
          if (status === undefined) continue; // gone meanwhile
          let user: string | undefined;
          let container: string | undefined;
          try {
            user = userOf(parsePidStatus(status).effectiveUid, ctx.mono);
            const path = cgroup === undefined ? undefined : cgroupPathFor(parsePidCgroup(cgroup), 'memory');
            const id = path === undefined ? undefined : containerIdOfCgroup(path);
            if (id !== undefined) container = opts.names?.nameOf(id) ?? id.slice(0, 12);
          } catch {
            // A file of an odd shape: the row goes without user or container.
          }
          d = { command: commandLine(cmdline, stat.comm), user, container, at: ctx.mono };
        }
        kept.set(p.key, d);
        const statm = readSmallFileSync(`${root}/${p.pid}/statm`);
        let mem = p.memBytes;
        try {
          if (statm !== undefined) mem = parsePidStatm(statm).resident * pageSize;
        } catch {
          // stat's resident set stands.
        }
        out.process({
          pid: p.pid,
          name: stat.comm,
          command: d.command,
          ...(d.user !== undefined && { user: d.user }),
          ...(d.container !== undefined && { container: d.container }),
          ...(p.cpuPct !== undefined && { cpu_pct: p.cpuPct }),
          mem_bytes: mem,
          ...(p.readBps !== undefined && { read_bps: p.readBps }),
          ...(p.writeBps !== undefined && { write_bps: p.writeBps }),
        });
      }
      details = kept;
    },
    close() {
      stats.close();
    },
  };
}
