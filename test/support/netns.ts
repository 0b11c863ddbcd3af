// Several "hosts" on one machine for integration tests: each is a network namespace joined to
// the root namespace by a veth pair whose root end is a port of one test bridge, like
// machines on a LAN switch. Everything is named `berth-t-…` and lives in a subnet the test
// picks, so leftovers of a killed run are found by name and removed before the next one.
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TestContext } from 'node:test';
import type { Proc } from './processes.ts';

const exec = promisify(execFile);

export const NETNS_PREFIX = 'berth-t-';
/** Names end up as interface names too, which the kernel caps at 15 characters. */
const BRIDGE = `${NETNS_PREFIX}br`;

/** Runs `ip` with an argument list (no shell); returns trimmed stdout, throws with stderr. */
export async function ip(args: readonly string[]): Promise<string> {
  try {
    const { stdout } = await exec('ip', [...args], { timeout: 15_000 });
    return stdout.trim();
  } catch (e) {
    const err = e as Error & { stderr?: string };
    throw new Error(`ip ${args.join(' ')}: ${(err.stderr || err.message).trim()}`);
  }
}

/** Processes of this test outside the namespaces (the server), for the next run to stop. */
const PIDFILE = path.join(os.tmpdir(), `${NETNS_PREFIX}pids`);

/** A process's start time in clock ticks since boot: with the pid, it names one process for good. */
function startTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Notes a root-namespace process so that a later run stops it if this one is killed first. */
export function rememberProcess(pid: number | undefined): void {
  const start = pid === undefined ? undefined : startTime(pid);
  if (start !== undefined) fs.appendFileSync(PIDFILE, `${pid} ${start}\n`);
}

function killRemembered(): void {
  let lines: string[] = [];
  try {
    lines = fs.readFileSync(PIDFILE, 'utf8').split('\n').filter(Boolean);
  } catch {
    return;
  }
  for (const l of lines) {
    const [pid, start] = l.split(' ');
    // Only the very process noted: a pid reused since then has another start time.
    if (startTime(Number(pid)) === start) process.kill(Number(pid), 'SIGKILL');
  }
  fs.rmSync(PIDFILE, { force: true });
}

/**
 * Deletes every namespace and link named berth-t-… (a killed run leaves them behind), killing
 * what still runs inside first (a namespace lives on while a process holds it) and the
 * remembered processes outside.
 */
export async function removeNetnsLeftovers(): Promise<void> {
  killRemembered();
  const names = (await ip(['netns', 'list']).catch(() => ''))
    .split('\n')
    .map((l) => l.split(' ')[0])
    .filter((n) => n.startsWith(NETNS_PREFIX));
  for (const n of names) {
    const pids = (await ip(['netns', 'pids', n]).catch(() => '')).split('\n').filter(Boolean).map(Number);
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone already */
      }
    }
    await ip(['netns', 'delete', n]).catch(() => undefined);
  }
  const links = (await ip(['-o', 'link', 'show']).catch(() => ''))
    .split('\n')
    .map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1])
    .filter((n): n is string => !!n && n.startsWith(NETNS_PREFIX));
  for (const l of links) await ip(['link', 'delete', l]).catch(() => undefined);
}

let problem: Promise<string | undefined> | undefined;

/** Why namespaces cannot be made here, or undefined when they can (checked once per process). */
function netnsProblem(): Promise<string | undefined> {
  problem ??= (async () => {
    if (process.platform !== 'linux') return 'network namespaces need Linux';
    if (process.getuid?.() !== 0) return 'creating network namespaces needs root';
    try {
      await ip(['-V']);
    } catch {
      return 'the `ip` command (iproute2) is not installed';
    }
    try {
      await removeNetnsLeftovers();
      await ip(['netns', 'add', `${NETNS_PREFIX}probe`]);
      await ip(['netns', 'delete', `${NETNS_PREFIX}probe`]);
    } catch (e) {
      return `cannot create a network namespace: ${(e as Error).message}`;
    }
    return undefined;
  })();
  return problem;
}

/** True when the test can make namespaces. Under CI=true it must: a missing piece fails the test. */
export async function requireNetns(t: TestContext): Promise<boolean> {
  const why = await netnsProblem();
  if (why === undefined) return true;
  if (process.env.CI === 'true') throw new Error(`network namespaces are required under CI: ${why}`);
  process.stderr.write(`skipping "${t.name}": ${why}\n`);
  t.skip(why);
  return false;
}

export interface NetnsHost {
  /** Short name, e.g. `a`. */
  name: string;
  /** Namespace, e.g. `berth-t-a`. */
  ns: string;
  /** The veth end in the root namespace (a bridge port): set it down to cut the host off. */
  rootIface: string;
  /** The address of the host's `eth0` inside its namespace. */
  addr: string;
}

export interface Fleet {
  /** The bridge's address in the root namespace: where the server listens. */
  serverAddr: string;
  hosts: NetnsHost[];
  /** Deletes the namespaces (and with them their veth pairs) and the bridge. */
  destroy(): Promise<void>;
}

/**
 * Makes one namespace per name, `eth0` inside each (so the agent counts it as a physical
 * interface), all on `subnet.0/24` through a bridge holding `subnet.1`. The subnet must be
 * unused on this machine: the test refuses to share one with anything it did not create.
 */
export async function createFleet(
  names: readonly string[],
  subnet = process.env.BERTH_NETNS_SUBNET ?? '10.231.77',
): Promise<Fleet> {
  await removeNetnsLeftovers();
  const routes = await ip(['-4', 'route', 'show', 'table', 'all', 'to', 'match', `${subnet}.1`]);
  // Any route to it but the default one means the subnet is somebody's: refuse to shadow it.
  const taken = routes.split('\n').filter((r) => r && !/^(\S+\s+)?default\b/.test(r));
  if (taken.length) {
    throw new Error(
      `${subnet}.0/24 is already routed on this machine (${taken.join('; ')}); pick another with BERTH_NETNS_SUBNET`,
    );
  }
  const fleet: Fleet = {
    serverAddr: `${subnet}.1`,
    hosts: [],
    destroy: async () => {
      for (const h of fleet.hosts) await ip(['netns', 'delete', h.ns]).catch(() => undefined);
      await removeNetnsLeftovers();
    },
  };
  try {
    await ip(['link', 'add', BRIDGE, 'type', 'bridge']);
    await ip(['addr', 'add', `${subnet}.1/24`, 'dev', BRIDGE]);
    await ip(['link', 'set', BRIDGE, 'up']);
    for (const [i, name] of names.entries()) {
      const h: NetnsHost = {
        name,
        ns: NETNS_PREFIX + name,
        rootIface: NETNS_PREFIX + name,
        addr: `${subnet}.${11 + i}`,
      };
      fleet.hosts.push(h);
      await ip(['netns', 'add', h.ns]);
      await ip(['link', 'add', h.rootIface, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', h.ns]);
      await ip(['link', 'set', h.rootIface, 'master', BRIDGE]);
      await ip(['link', 'set', h.rootIface, 'up']);
      await ip(['-n', h.ns, 'addr', 'add', `${h.addr}/24`, 'dev', 'eth0']);
      await ip(['-n', h.ns, 'link', 'set', 'eth0', 'up']);
      await ip(['-n', h.ns, 'link', 'set', 'lo', 'up']);
    }
  } catch (e) {
    await fleet.destroy();
    throw e;
  }
  return fleet;
}

/** Byte counters of an interface in the root namespace, from sysfs. */
export function linkBytes(iface: string): { rx: number; tx: number } {
  const read = (f: string) => Number(fs.readFileSync(`/sys/class/net/${iface}/statistics/${f}`, 'utf8'));
  return { rx: read('rx_bytes'), tx: read('tx_bytes') };
}

/** Starts `command args…` inside a namespace; `ip netns exec` execs it, so the pid is the command's. */
export function spawnInNetns(ns: string, command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}) {
  return spawn('ip', ['netns', 'exec', ns, command, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/**
 * A process inside a namespace, with the same handle as startProcess() gives: output kept for
 * assertions, kill() that waits for the exit.
 */
export function startInNetns(ns: string, command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Proc {
  const child = spawnInNetns(ns, command, args, env);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => out,
    exited,
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
    async waitFor(re, timeoutMs = 30_000) {
      const until = Date.now() + timeoutMs;
      while (!re.test(out)) {
        if (child.exitCode !== null)
          throw new Error(`process in ${ns} exited (${child.exitCode}) before printing ${re}:\n${out}`);
        if (Date.now() > until) throw new Error(`timed out waiting for ${re} from a process in ${ns}:\n${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}

/** Runs a command inside a namespace to its end; rejects with its output when it exits other than `exitCode`. */
export async function runInNetns(
  ns: string,
  command: string,
  args: readonly string[],
  opts: { timeoutMs?: number; exitCode?: number } = {},
): Promise<string> {
  const p = startInNetns(ns, command, args);
  const timer = setTimeout(() => void p.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
  const code = await p.exited;
  clearTimeout(timer);
  if (code !== (opts.exitCode ?? 0))
    throw new Error(`${command} ${args.join(' ')} in ${ns} exited ${code}:\n${p.output()}`);
  return p.output();
}
