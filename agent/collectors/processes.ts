// Top processes: every tick, every process's CPU time and resident memory from /proc/<pid>/stat
// (kept open between ticks, one pread each), its storage I/O from /proc/<pid>/io where this
// agent may read it (root; read only for processes that ran since the last tick, as only they
// can have done I/O), then for the top N by CPU, by memory and by I/O (--top) their command line,
// user (/proc/<pid>/status, named from <rootfs>/etc/passwd) and container (from /proc/<pid>/cgroup,
// named as the docker collector lists it). Sent as the tick's process rows. The resident memory
// is stat's rss field: the same kernel counter as statm's resident (get_mm_rss), so statm is
// not read.
import { readdirSync, readFileSync } from 'node:fs';
import type { Collector } from './collector.ts';
import type { Logger } from '../../lib/log.ts';
import { OpenFiles } from '../procfs/open-files.ts';
import { readSmallFileSync, underRoot } from '../procfs/procfile.ts';
import { parsePidStat, pidStatCounters, type PidStat } from '../procfs/pid-stat.ts';
import { pidIoBytes } from '../procfs/pid-io.ts';
import { parsePidStatus } from '../procfs/pid-status.ts';
import { cgroupPathFor, parsePidCgroup } from '../procfs/pid-cgroup.ts';
import { containerIdOfCgroup } from '../cgroup/layout.ts';
import { pageSizeFromAuxv } from '../processes/page-size.ts';
import { parsePasswd } from '../processes/passwd.ts';
import { commandLine, cpuPercent, TopPicker, type ProcessUsage } from '../processes/top.ts';
import type { ContainerNames } from '../docker/names.ts';

export interface ProcessesOptions {
  procRoot: string;
  rootfs: string;
  /** Processes per list (CPU, memory, I/O). */
  top: number;
  names?: ContainerNames;
  log: Logger;
}

/** A process as last read, by pid. */
interface Entry extends ProcessUsage {
  /** <procRoot>/<pid>/stat, made once. */
  statPath: string;
  /** Its stat line: the same text again means it neither ran nor changed size. */
  text: string;
  starttime: number;
  ticks: number;
  at: number;
  read?: number;
  write?: number;
  /** Its /proc/<pid>/io refused this agent (another user's process, or pid 1 of some VMs). */
  ioDenied?: boolean;
  round: number;
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
  const entries = new Map<string, Entry>();
  let round = 0;
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
      const io = pidIoBytes(text);
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
      const mono = ctx.mono;
      round++;
      const picker = new TopPicker<Entry>(opts.top);
      const pids = readdirSync(root);
      // Indexed loops and forEach: a for…of makes an object per step in the agent's interpreter.
      for (let i = 0; i < pids.length; i++) {
        const pid = pids[i]!;
        const c = pid.charCodeAt(0);
        if (c < 48 || c > 57) continue;
        let e = entries.get(pid);
        const statPath = e !== undefined ? e.statPath : `${root}/${pid}/stat`;
        const text = stats.read(statPath);
        if (text === undefined) continue;
        if (e !== undefined && e.text === text) {
          // Not a tick of CPU, not a page of memory changed: it did not run, so no I/O either.
          if (mono > e.at) e.cpuPct = 0;
          if (e.read !== undefined) e.readBps = e.writeBps = 0;
          e.at = mono;
          e.round = round;
          picker.offer(e);
          continue;
        }
        const s = pidStatCounters(text);
        if (s === undefined) continue;
        if (e === undefined || e.starttime !== s.starttime) {
          // A process first seen, or a new one given a pid used before.
          e = {
            key: `${pid}:${s.starttime}`,
            pid: Number(pid),
            statPath,
            text,
            starttime: s.starttime,
            ticks: s.ticks,
            at: mono,
            memBytes: 0,
            round,
          };
          entries.set(pid, e);
        } else {
          e.cpuPct = cpuPercent(e.ticks, s.ticks, mono - e.at);
        }
        const ran = s.ticks > e.ticks;
        if (ioReadable && !e.ioDenied && !ran && e.read !== undefined) {
          e.readBps = e.writeBps = 0;
        } else if (ioReadable && !e.ioDenied) {
          const io = readIo(pid);
          if (io === 'denied') e.ioDenied = true;
          else if (io) {
            const seconds = mono - e.at;
            if (e.read !== undefined && seconds > 0 && io.read >= e.read && io.write >= e.write!) {
              e.readBps = (io.read - e.read) / seconds;
              e.writeBps = (io.write - e.write!) / seconds;
            }
            e.read = io.read;
            e.write = io.write;
          }
        }
        e.text = text;
        e.ticks = s.ticks;
        e.at = mono;
        e.memBytes = s.rssPages * pageSize;
        e.round = round;
        picker.offer(e);
      }
      entries.forEach((e, pid) => {
        if (e.round !== round) entries.delete(pid);
      });
      stats.sweep();

      const kept = new Map<string, Details>();
      for (const p of picker.picked()) {
        let stat: PidStat;
        try {
          stat = parsePidStat(p.text);
        } catch {
          continue;
        }
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
        out.process({
          pid: p.pid,
          name: stat.comm,
          command: d.command,
          ...(d.user !== undefined && { user: d.user }),
          ...(d.container !== undefined && { container: d.container }),
          ...(p.cpuPct !== undefined && { cpu_pct: p.cpuPct }),
          mem_bytes: p.memBytes,
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
