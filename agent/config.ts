// Agent configuration: flags, then BERTH_* environment variables, then defaults, declared once
// in AGENT_OPTIONS (lib/options.ts reads it and makes --help and the README table from it).
// Read and validated once per process; every bad value is reported by its flag, then exit 2.
import os from 'node:os';
import path from 'node:path';
import { helpText, option, readOptions, repeated } from '../lib/options.ts';
import { boolean, commaList, number, optional, text } from '../lib/option-parsers.ts';
import { parsePluginSpec, type PluginSpec } from './plugins/spec.ts';
import { DEFAULT_DOCKER_SOCKET, resolveDockerSocket } from './docker/client.ts';
import { checkCollectorNames, parseSelection, selectCollectorNames } from './collectors/names.ts';
import { HOST_NAME_RULE, isHostName } from '../protocol/constants.ts';
import { CONTAINER_STATS_MODES, type ContainerStatsMode } from './docker/stats-source.ts';
import { MAX_TOP } from '../protocol/constants.ts';

export interface AgentConfig {
  server: string;
  token: string;
  interval: number;
  flush: number;
  host: string;
  dockerSocket: string;
  procRoot: string;
  sysRoot: string;
  rootfs: string;
  /** enable: only these ("cpu,memory"); add: the defaults and these ("+systemd"); disable: not these. */
  collectors: { enable: string[]; disable: string[]; add?: string[] };
  spoolDir: string;
  spoolMaxBytes: number;
  plugins: PluginSpec[];
  pluginTimeout: number;
  ipvsCpus?: number;
  ipvsCounterWidth?: 32 | 64;
  includeIfaces: string[];
  dockerConcurrency: number;
  containerStats: ContainerStatsMode;
  smartctl: string;
  smartInterval: number;
  top: number;
  once: boolean;
  verbose: boolean;
}

interface Opt {
  type: 'string' | 'boolean';
  multiple?: boolean;
  env: string;
  default: string;
  help: string;
}

/** Every flag with its environment variable, default and meaning: --help and the README's table. */
export const AGENT_OPTIONS = {
  server: option({
    env: 'BERTH_SERVER',
    default: 'http://127.0.0.1:8787',
    help: 'Server URL',
    parse: (raw) => {
      const server = raw.replace(/\/+$/, '');
      let protocol = '';
      try {
        protocol = new URL(server).protocol;
      } catch {
        /* refused below */
      }
      if (protocol !== 'http:' && protocol !== 'https:')
        throw new Error(`"${server}" is not an http:// or https:// URL`);
      return server;
    },
  }),
  token: option({
    env: 'BERTH_TOKEN',
    default: '',
    help: 'Ingest token (required)',
    parse: (raw) => {
      // Surrounding whitespace is a copy-paste or a CRLF env file's \r, not part of the token.
      const token = raw.trim();
      if (!token) throw new Error('required (the server prints or issues it)');
      if (/[\s\u0000-\u001f\u007f]/.test(token))
        throw new Error('holds spaces or control characters (a token has none)');
      return token;
    },
  }),
  interval: option({ env: 'BERTH_INTERVAL', default: '10', help: 'Seconds between samples', parse: number(1, 3600) }),
  flush: option({
    env: 'BERTH_FLUSH',
    default: '',
    help: 'Seconds between batches sent (default: the interval)',
    parse: optional(number(1, 3600)),
  }),
  host: option({
    env: 'BERTH_HOST',
    default: '',
    help: 'Host name to report (default: the hostname)',
    parse: (raw) => {
      const host = raw || os.hostname();
      if (!isHostName(host)) throw new Error(`"${host}" is not a host name (${HOST_NAME_RULE})`);
      return host;
    },
  }),
  'docker-socket': option({
    env: 'BERTH_DOCKER_SOCKET',
    default: '',
    help: "Docker Engine socket, PATH or unix://PATH; Podman's works too (default: DOCKER_HOST=unix://… or /var/run/docker.sock)",
    parse: (raw) => raw.trim() || undefined,
  }),
  proc: option({ env: 'BERTH_PROC', default: '/proc', help: 'procfs root (/host/proc in a container)', parse: text }),
  sys: option({
    env: 'BERTH_SYS',
    default: '',
    help: 'sysfs root (default: beside --proc, e.g. /host/sys)',
    parse: optional(text),
  }),
  rootfs: option({
    env: 'BERTH_ROOTFS',
    default: '/',
    help: "Host's root file system, for statfs and machine-id (/host/root in a container)",
    parse: text,
  }),
  collectors: option({
    env: 'BERTH_COLLECTORS',
    default: '',
    help: 'Collectors to run: "cpu,memory" runs only those; --collectors=-docker,-plugins runs all but those; "+systemd" the defaults and those',
    parse: (raw) => {
      const selection = parseSelection(commaList(raw));
      checkCollectorNames(selection);
      return selection;
    },
  }),
  spool: option({
    env: 'BERTH_SPOOL',
    default: './data/spool',
    help: 'Folder for batches the server has not taken yet',
    parse: text,
  }),
  'spool-max': option({
    env: 'BERTH_SPOOL_MAX',
    default: '100',
    help: 'Spool size limit in MB; the oldest batch is dropped beyond it',
    parse: number(1, 100_000),
  }),
  plugin: repeated({
    env: 'BERTH_PLUGINS',
    separator: '\n',
    default: '',
    help: "Mackerel plugin 'NAME=COMMAND ARGS' (repeatable; env: one per line)",
    parse: (raws, problem) => {
      const plugins: PluginSpec[] = [];
      for (const p of raws.map((x) => x.trim()).filter(Boolean)) {
        try {
          plugins.push(parsePluginSpec(p));
        } catch (e) {
          problem((e as Error).message);
        }
      }
      return plugins;
    },
  }),
  'plugin-timeout': option({
    env: 'BERTH_PLUGIN_TIMEOUT',
    default: '',
    help: 'Seconds a plugin may run before it is killed (default: 0.8 × interval, at most 30)',
    parse: optional(number(0.1, 300)),
  }),
  'ipvs-cpus': option({
    env: 'BERTH_IPVS_CPUS',
    default: '',
    help: 'CPUs to read from ip_vs_stats_percpu (default: the online CPUs)',
    parse: optional(number(1, 4096)),
  }),
  'ipvs-counter-width': option({
    env: 'BERTH_IPVS_COUNTER_WIDTH',
    default: 'auto',
    help: 'Width of IPVS conns/packets counters: 32, 64 or auto (32 before Linux 4.1)',
    parse: (raw): 32 | 64 | undefined => {
      if (!['auto', '32', '64'].includes(raw)) throw new Error(`"${raw}" is not 32, 64 or auto`);
      return raw === '32' ? 32 : raw === '64' ? 64 : undefined;
    },
  }),
  'include-ifaces': option({
    env: 'BERTH_INCLUDE_IFACES',
    default: '',
    help: 'Extra interfaces to report, comma-separated globs (e.g. "veth*,docker0")',
    parse: commaList,
  }),
  'docker-concurrency': option({
    env: 'BERTH_DOCKER_CONCURRENCY',
    default: '64',
    help: 'Container stats requests in flight at once',
    parse: number(1, 1024),
  }),
  'container-stats': option({
    env: 'BERTH_CONTAINER_STATS',
    default: 'auto',
    help: "Where container numbers come from: cgroups (the engine only lists containers), engine (its stats API, a call per container), or auto: cgroups when this agent can read the engine's",
    parse: (raw): ContainerStatsMode => {
      if (!(CONTAINER_STATS_MODES as readonly string[]).includes(raw))
        throw new Error(`"${raw}" is not ${CONTAINER_STATS_MODES.join(', ')}`);
      return raw as ContainerStatsMode;
    },
  }),
  top: option({
    env: 'BERTH_TOP',
    default: '10',
    help: 'Top processes sent every interval: this many by CPU, by memory and by I/O (0: none)',
    parse: (raw) => Math.round(number(0, MAX_TOP)(raw)),
  }),
  smartctl: option({
    env: 'BERTH_SMARTCTL',
    default: 'smartctl',
    help: 'smartctl command for disk health (smartmontools 7; needs root or CAP_SYS_RAWIO, see packaging/berth-agent-smart.conf)',
    parse: (raw) => raw.trim() || 'smartctl',
  }),
  'smart-interval': option({
    env: 'BERTH_SMART_INTERVAL',
    default: '300',
    help: 'Seconds between two S.M.A.R.T. reads of every disk (a sleeping disk is left asleep)',
    parse: number(10, 86_400),
  }),
  once: option({
    env: 'BERTH_ONCE',
    default: 'false',
    switch: true,
    help: 'Take one sample (after a first read that primes the rates), send it and exit: 0 when the server stored everything, 1 when not (for checks)',
    parse: boolean,
  }),
  verbose: option({
    env: 'BERTH_VERBOSE',
    default: 'false',
    switch: true,
    help: 'Log every batch sent',
    parse: boolean,
  }),
};

/** The agent's configuration; throws a ConfigError naming every bad flag. */
export function loadAgentConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): AgentConfig {
  const read = readOptions(AGENT_OPTIONS, argv, env);
  const v = read.values;
  // Defaults drawn from a bad --interval would only repeat its error under other names.
  const intervalOk = !read.refused('interval');
  const interval = v.interval;
  const pluginTimeout = v['plugin-timeout'] ?? (intervalOk ? Math.min(interval * 0.8, 30) : 8);
  // Every collector waits for the tick's plugins: one hanging to its timeout must not reach the next tick.
  if (v.plugin?.length && intervalOk && pluginTimeout >= interval) {
    read.problem(
      'plugin-timeout',
      `${pluginTimeout} s is not less than --interval ${interval} s; a plugin hanging that long would hold back every sample`,
    );
  }
  // A DOCKER_HOST this agent cannot use (tcp://, a relative unix path) is refused rather than
  // silently replaced by the local socket, unless the docker collector is off.
  let dockerSocket = v['docker-socket'];
  if (dockerSocket === undefined) {
    try {
      dockerSocket = resolveDockerSocket(undefined, env);
    } catch (e) {
      dockerSocket = DEFAULT_DOCKER_SOCKET;
      const dockerWanted = !v.collectors || selectCollectorNames(v.collectors).includes('docker');
      if (dockerWanted) read.problem('docker-socket', `not given, and ${(e as Error).message}`);
    }
  }
  read.check();
  return {
    server: v.server,
    token: v.token,
    interval,
    flush: v.flush ?? interval,
    host: v.host,
    dockerSocket,
    procRoot: v.proc,
    sysRoot: v.sys ?? path.join(path.dirname(path.resolve(v.proc)), 'sys'),
    rootfs: v.rootfs,
    collectors: v.collectors,
    spoolDir: v.spool,
    spoolMaxBytes: Math.round(v['spool-max'] * 1024 * 1024),
    plugins: v.plugin,
    pluginTimeout,
    ipvsCpus: v['ipvs-cpus'],
    ipvsCounterWidth: v['ipvs-counter-width'],
    includeIfaces: v['include-ifaces'],
    dockerConcurrency: v['docker-concurrency'],
    containerStats: v['container-stats'],
    smartctl: v.smartctl,
    smartInterval: v['smart-interval'],
    top: v.top,
    once: v.once,
    verbose: v.verbose,
  };
}

export function agentUsage(): string {
  return helpText(AGENT_OPTIONS, ['usage: berth-agent --server URL --token TOKEN [flags]']);
}
