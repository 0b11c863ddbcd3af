// Agent configuration: flags, then BERTH_* environment variables, then defaults. Read and
// validated once per process; every bad value is reported by its flag, then exit 2.
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parsePluginSpec, type PluginSpec } from './plugins/spec.ts';
import { DEFAULT_DOCKER_SOCKET, resolveDockerSocket } from './docker/client.ts';
import { selectCollectorNames } from './collectors/index.ts';

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
  collectors: { enable: string[]; disable: string[] };
  spoolDir: string;
  spoolMaxBytes: number;
  plugins: PluginSpec[];
  pluginTimeout: number;
  ipvsCpus?: number;
  ipvsCounterWidth?: 32 | 64;
  includeIfaces: string[];
  dockerConcurrency: number;
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

/** Every flag with its environment variable and default: the README's table is this list. */
export const AGENT_OPTIONS: Record<string, Opt> = {
  server: { type: 'string', env: 'BERTH_SERVER', default: 'http://127.0.0.1:8787', help: 'Server URL' },
  token: { type: 'string', env: 'BERTH_TOKEN', default: '', help: 'Ingest token (required)' },
  interval: { type: 'string', env: 'BERTH_INTERVAL', default: '10', help: 'Seconds between samples' },
  flush: {
    type: 'string',
    env: 'BERTH_FLUSH',
    default: '',
    help: 'Seconds between batches sent (default: the interval)',
  },
  host: { type: 'string', env: 'BERTH_HOST', default: '', help: 'Host name to report (default: the hostname)' },
  'docker-socket': {
    type: 'string',
    env: 'BERTH_DOCKER_SOCKET',
    default: '',
    help: "Docker Engine socket, PATH or unix://PATH; Podman's works too (default: DOCKER_HOST=unix://… or /var/run/docker.sock)",
  },
  proc: { type: 'string', env: 'BERTH_PROC', default: '/proc', help: 'procfs root (/host/proc in a container)' },
  sys: { type: 'string', env: 'BERTH_SYS', default: '', help: 'sysfs root (default: beside --proc, e.g. /host/sys)' },
  rootfs: {
    type: 'string',
    env: 'BERTH_ROOTFS',
    default: '/',
    help: "Host's root file system, for statfs and machine-id (/host/root in a container)",
  },
  collectors: {
    type: 'string',
    env: 'BERTH_COLLECTORS',
    default: '',
    help: 'Collectors to run: "cpu,memory" runs only those; --collectors=-docker,-plugins runs all but those',
  },
  spool: {
    type: 'string',
    env: 'BERTH_SPOOL',
    default: './data/spool',
    help: 'Folder for batches the server has not taken yet',
  },
  'spool-max': {
    type: 'string',
    env: 'BERTH_SPOOL_MAX',
    default: '100',
    help: 'Spool size limit in MB; the oldest batch is dropped beyond it',
  },
  plugin: {
    type: 'string',
    multiple: true,
    env: 'BERTH_PLUGINS',
    default: '',
    help: "Mackerel plugin 'NAME=COMMAND ARGS' (repeatable; env: one per line)",
  },
  'plugin-timeout': {
    type: 'string',
    env: 'BERTH_PLUGIN_TIMEOUT',
    default: '',
    help: 'Seconds a plugin may run before it is killed (default: 0.8 × interval, at most 30)',
  },
  'ipvs-cpus': {
    type: 'string',
    env: 'BERTH_IPVS_CPUS',
    default: '',
    help: 'CPUs to read from ip_vs_stats_percpu (default: the online CPUs)',
  },
  'ipvs-counter-width': {
    type: 'string',
    env: 'BERTH_IPVS_COUNTER_WIDTH',
    default: 'auto',
    help: 'Width of IPVS conns/packets counters: 32, 64 or auto (32 before Linux 4.1)',
  },
  'include-ifaces': {
    type: 'string',
    env: 'BERTH_INCLUDE_IFACES',
    default: '',
    help: 'Extra interfaces to report, comma-separated globs (e.g. "veth*,docker0")',
  },
  'docker-concurrency': {
    type: 'string',
    env: 'BERTH_DOCKER_CONCURRENCY',
    default: '64',
    help: 'Container stats requests in flight at once',
  },
  once: {
    type: 'boolean',
    env: 'BERTH_ONCE',
    default: 'false',
    help: 'Take one sample (after a first read that primes the rates), send it and exit: 0 when the server stored everything, 1 when not (for checks)',
  },
  verbose: { type: 'boolean', env: 'BERTH_VERBOSE', default: 'false', help: 'Log every batch sent' },
};

export class ConfigError extends Error {}

export function loadAgentConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): AgentConfig {
  let values: Record<string, string | string[] | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: Object.fromEntries(
        Object.entries(AGENT_OPTIONS).map(([k, o]) => [k, { type: o.type, multiple: o.multiple ?? false }]),
      ),
      strict: true,
      allowPositionals: false,
    }) as { values: Record<string, string | string[] | boolean | undefined> });
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
  const problems: string[] = [];
  const get = (k: string): string => {
    const v = values[k];
    if (typeof v === 'boolean') return String(v);
    if (Array.isArray(v)) return v.join('\u0000');
    if (v !== undefined) return v;
    return env[AGENT_OPTIONS[k].env] ?? AGENT_OPTIONS[k].default;
  };
  const num = (k: string, min: number, max: number, fallback?: string): number => {
    const raw = get(k) || fallback || '';
    const n = Number(raw);
    if (raw === '' || !Number.isFinite(n) || n < min || n > max) {
      problems.push(`--${k} (${AGENT_OPTIONS[k].env}): "${raw}" must be a number from ${min} to ${max}`);
    }
    return n;
  };
  const bool = (k: string): boolean => {
    const raw = get(k);
    if (!['true', 'false', '1', '0', ''].includes(raw))
      problems.push(`--${k} (${AGENT_OPTIONS[k].env}): "${raw}" is not true or false`);
    return raw === 'true' || raw === '1';
  };

  const server = get('server').replace(/\/+$/, '');
  try {
    const u = new URL(server);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http');
  } catch {
    problems.push(`--server (BERTH_SERVER): "${server}" is not an http:// or https:// URL`);
  }
  // Surrounding whitespace is a copy-paste or a CRLF env file's \r, not part of the token.
  const token = get('token').trim();
  if (!token) problems.push('--token (BERTH_TOKEN): required (the server prints or issues it)');
  else if (/[\s\u0000-\u001f\u007f]/.test(token))
    problems.push('--token (BERTH_TOKEN): holds spaces or control characters (a token has none)');
  const given = problems.length;
  const interval = num('interval', 1, 3600);
  // Defaults drawn from a bad --interval would only repeat its error under other names.
  const intervalOk = problems.length === given;
  const flush = num('flush', 1, 3600, intervalOk ? String(interval) : '10');
  const procRoot = get('proc');
  const sysDefault = path.join(path.dirname(path.resolve(procRoot)), 'sys');
  const list = (k: string) =>
    get(k)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  const names = list('collectors');
  const spoolMb = num('spool-max', 1, 100_000);
  const ipvsRaw = get('ipvs-cpus');
  const ipvsCpus = ipvsRaw === '' ? undefined : num('ipvs-cpus', 1, 4096);
  const pluginsRaw = values.plugin !== undefined ? (values.plugin as string[]) : (env.BERTH_PLUGINS ?? '').split('\n');
  const plugins: PluginSpec[] = [];
  for (const p of pluginsRaw.map((x) => x.trim()).filter(Boolean)) {
    try {
      plugins.push(parsePluginSpec(p));
    } catch (e) {
      problems.push(`--plugin (BERTH_PLUGINS): ${(e as Error).message}`);
    }
  }
  const pluginTimeout = num('plugin-timeout', 0.1, 300, String(intervalOk ? Math.min(interval * 0.8, 30) : 8));
  // Every collector waits for the tick's plugins: one hanging to its timeout must not reach the next tick.
  if (plugins.length && intervalOk && pluginTimeout >= interval) {
    problems.push(
      `--plugin-timeout (BERTH_PLUGIN_TIMEOUT): ${pluginTimeout} s is not less than --interval ${interval} s; a plugin hanging that long would hold back every sample`,
    );
  }
  const widthRaw = get('ipvs-counter-width');
  if (!['auto', '32', '64'].includes(widthRaw))
    problems.push(`--ipvs-counter-width (BERTH_IPVS_COUNTER_WIDTH): "${widthRaw}" is not 32, 64 or auto`);
  // A DOCKER_HOST this agent cannot use (tcp://, a relative unix path) is refused rather than
  // silently replaced by the local socket, unless the docker collector is off.
  const collectors = {
    enable: names.filter((n) => !n.startsWith('-')),
    disable: names.filter((n) => n.startsWith('-')).map((n) => n.slice(1)),
  };
  let dockerWanted = true;
  try {
    dockerWanted = selectCollectorNames(collectors).includes('docker');
  } catch {
    /* an unknown collector name: main reports it */
  }
  let dockerSocket = get('docker-socket').trim();
  if (!dockerSocket) {
    try {
      dockerSocket = resolveDockerSocket(undefined, env);
    } catch (e) {
      dockerSocket = DEFAULT_DOCKER_SOCKET;
      if (dockerWanted) problems.push(`--docker-socket (BERTH_DOCKER_SOCKET): not given, and ${(e as Error).message}`);
    }
  }
  const config: AgentConfig = {
    server,
    token,
    interval,
    flush,
    host: get('host') || os.hostname(),
    dockerSocket,
    procRoot,
    sysRoot: get('sys') || sysDefault,
    rootfs: get('rootfs'),
    collectors,
    spoolDir: get('spool'),
    spoolMaxBytes: Math.round(spoolMb * 1024 * 1024),
    plugins,
    pluginTimeout,
    ipvsCpus,
    ipvsCounterWidth: widthRaw === '32' ? 32 : widthRaw === '64' ? 64 : undefined,
    includeIfaces: list('include-ifaces'),
    dockerConcurrency: num('docker-concurrency', 1, 1024),
    once: bool('once'),
    verbose: bool('verbose'),
  };
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/.test(config.host))
    problems.push(`--host (BERTH_HOST): "${config.host}" is not a valid host name`);
  if (problems.length) throw new ConfigError(problems.join('\n'));
  return config;
}

export function agentUsage(): string {
  const rows = Object.entries(AGENT_OPTIONS).map(
    ([k, o]) => `  --${k.padEnd(20)} ${o.help} (env ${o.env}${o.default ? `, default ${o.default}` : ''})`,
  );
  return ['usage: berth-agent --server URL --token TOKEN [flags]', ...rows].join('\n');
}
