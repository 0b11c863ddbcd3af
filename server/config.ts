// Server configuration: flags, then BERTH_* environment variables, then defaults. Read and
// validated once; every bad value is reported by name.
import { parseArgs } from 'node:util';
import path from 'node:path';
import { DEFAULT_RETENTION, parseRetention, type Retention } from './rollup/tiers.ts';
import { parseRemoteUrl, type RemoteUrl } from './remote-url.ts';

export interface ServerConfig {
  port: number;
  bind: string;
  dbPath: string;
  /** Shared tokens given on the command line or in BERTH_TOKEN (comma-separated). */
  tokens: string[];
  retention: Retention;
  /** Largest request body accepted, compressed, in bytes. */
  bodyLimit: number;
  /** Largest body after gunzip, in bytes. */
  inflatedLimit: number;
  /** Allow two machines to report under one host name. */
  allowDuplicateHostnames: boolean;
  /** Where the built web page is (web/dist). */
  webRoot: string;
  /** The bundled agent served at GET /agent.mjs (dist/berth-agent.mjs from `npm run build`). */
  agentFile: string;
  rollupEverySeconds: number;
  retentionEverySeconds: number;
  /** Prometheus remote-write receivers every stored sample is forwarded to. */
  remoteWrite: RemoteUrl[];
  /** Where the forwarding queues live (a folder per target). */
  remoteWriteQueueDir: string;
  /** Bytes each target's queue may hold on disk. */
  remoteWriteQueueBytes: number;
  /** A Prometheus query API the read routes answer from, instead of SQLite. */
  readFrom?: RemoteUrl;
  /** GET /metrics wants this bearer token when set. */
  metricsToken?: string;
}

export const SERVER_OPTIONS = {
  port: { type: 'string', env: 'BERTH_PORT', default: '8787', help: 'TCP port to listen on' },
  bind: {
    type: 'string',
    env: 'BERTH_BIND',
    default: '127.0.0.1',
    help: 'Address to listen on (0.0.0.0 for every interface)',
  },
  db: { type: 'string', env: 'BERTH_DB', default: './data/berth.db', help: 'SQLite file (created with its folder)' },
  token: {
    type: 'string',
    multiple: true,
    env: 'BERTH_TOKEN',
    default: '',
    help: 'Shared ingest token (repeatable; env: comma-separated)',
  },
  retention: {
    type: 'string',
    env: 'BERTH_RETENTION',
    default: 'raw=7d,1m=30d,5m=180d,1h=2y',
    help: 'How long each tier is kept',
  },
  'body-limit': {
    type: 'string',
    env: 'BERTH_BODY_LIMIT',
    default: '8',
    help: 'Largest ingest body in MB (compressed)',
  },
  'allow-duplicate-hostnames': {
    type: 'boolean',
    env: 'BERTH_ALLOW_DUPLICATE_HOSTNAMES',
    default: 'false',
    help: 'Accept two machines under one host name',
  },
  'web-root': { type: 'string', env: 'BERTH_WEB_ROOT', default: './web/dist', help: 'Folder of the built web page' },
  'agent-file': {
    type: 'string',
    env: 'BERTH_AGENT_FILE',
    default: './dist/berth-agent.mjs',
    help: 'Bundled agent served at /agent.mjs',
  },
  'remote-write': {
    type: 'string',
    multiple: true,
    env: 'BERTH_REMOTE_WRITE',
    default: '',
    help: 'Prometheus remote-write URL every stored sample is forwarded to (repeatable; basic auth as user:pass@ in the URL; env: space-separated)',
  },
  'remote-write-header': {
    type: 'string',
    multiple: true,
    env: 'BERTH_REMOTE_WRITE_HEADER',
    default: '',
    help: "Header sent to every remote-write URL, 'Name: value' (repeatable; env: one per line)",
  },
  'remote-write-queue': {
    type: 'string',
    env: 'BERTH_REMOTE_WRITE_QUEUE',
    default: '',
    help: 'Folder of the forwarding queues on disk (default: remote-write/ beside the database)',
  },
  'remote-write-queue-mb': {
    type: 'string',
    env: 'BERTH_REMOTE_WRITE_QUEUE_MB',
    default: '1024',
    help: 'Most each remote-write target may have waiting on disk, in MB; past it the oldest samples are dropped (counted)',
  },
  'read-from': {
    type: 'string',
    env: 'BERTH_READ_FROM',
    default: '',
    help: 'Answer the page from this Prometheus query API (VictoriaMetrics, Prometheus, Mimir) instead of SQLite',
  },
  'read-from-header': {
    type: 'string',
    multiple: true,
    env: 'BERTH_READ_FROM_HEADER',
    default: '',
    help: "Header sent to the --read-from API, 'Name: value' (repeatable; env: one per line)",
  },
  'metrics-token': {
    type: 'string',
    env: 'BERTH_METRICS_TOKEN',
    default: '',
    help: 'Bearer token GET /metrics asks for (open when unset)',
  },
} as const;

export class ConfigError extends Error {}

export function loadServerConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const { values } = parseArgs({
    args: argv,
    options: Object.fromEntries(
      Object.entries(SERVER_OPTIONS).map(([k, o]) => [
        k,
        { type: o.type, multiple: 'multiple' in o ? o.multiple : false },
      ]),
    ) as never,
    strict: true,
    allowPositionals: false,
  }) as { values: Record<string, string | string[] | boolean | undefined> };
  const problems: string[] = [];
  const get = (k: keyof typeof SERVER_OPTIONS): string => {
    const v = values[k];
    if (Array.isArray(v)) return v.join(',');
    if (typeof v === 'boolean') return String(v);
    if (v !== undefined) return v;
    return env[SERVER_OPTIONS[k].env] ?? SERVER_OPTIONS[k].default;
  };
  const num = (k: keyof typeof SERVER_OPTIONS, min: number, max: number): number => {
    const raw = get(k);
    const n = Number(raw);
    if (!/^\d+(\.\d+)?$/.test(raw) || n < min || n > max) {
      problems.push(`--${k} (${SERVER_OPTIONS[k].env}): "${raw}" must be a number from ${min} to ${max}`);
    }
    return n;
  };
  const port = num('port', 0, 65535);
  const bodyMb = num('body-limit', 0.001, 1024);
  let retention: Retention = DEFAULT_RETENTION;
  try {
    retention = parseRetention(get('retention'));
  } catch (e) {
    problems.push(`--retention (BERTH_RETENTION): ${(e as Error).message}`);
  }
  const tokens = get('token')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const t of tokens)
    if (t.length < 16) problems.push('--token (BERTH_TOKEN): a token must be at least 16 characters');
  const dup = get('allow-duplicate-hostnames');
  if (!['true', 'false', '1', '0'].includes(dup))
    problems.push(`--allow-duplicate-hostnames (BERTH_ALLOW_DUPLICATE_HOSTNAMES): "${dup}" is not true or false`);
  /** A repeatable flag's values: given on the command line, or from its variable split by `sep`. */
  const list = (k: keyof typeof SERVER_OPTIONS, sep: RegExp): string[] => {
    const v = values[k];
    const raw = Array.isArray(v) ? v : typeof v === 'string' ? [v] : (env[SERVER_OPTIONS[k].env] ?? '').split(sep);
    return raw.map((s) => s.trim()).filter(Boolean);
  };
  const remote = (flag: 'remote-write' | 'read-from', raw: string, headers: string[]): RemoteUrl | undefined => {
    try {
      return parseRemoteUrl(raw, headers);
    } catch (e) {
      // The URL may hold a password: only what is wrong with it is said.
      problems.push(`--${flag} (${SERVER_OPTIONS[flag].env}): ${(e as Error).message}`);
      return undefined;
    }
  };
  const writeHeaders = list('remote-write-header', /\n/);
  const remoteWrite = list('remote-write', /\s+/)
    .map((u) => remote('remote-write', u, writeHeaders))
    .filter((r): r is RemoteUrl => r !== undefined);
  if (writeHeaders.length && remoteWrite.length === 0 && list('remote-write', /\s+/).length === 0)
    problems.push('--remote-write-header (BERTH_REMOTE_WRITE_HEADER): given without --remote-write');
  const readFromRaw = get('read-from').trim();
  const readFrom = readFromRaw ? remote('read-from', readFromRaw, list('read-from-header', /\n/)) : undefined;
  const queueMb = num('remote-write-queue-mb', 1, 1024 * 1024);
  const metricsToken = get('metrics-token');
  if (metricsToken && metricsToken.length < 16)
    problems.push('--metrics-token (BERTH_METRICS_TOKEN): a token must be at least 16 characters');
  if (problems.length) throw new ConfigError(problems.join('\n'));
  const dbPath = get('db');
  return {
    port,
    bind: get('bind'),
    dbPath,
    tokens,
    retention,
    bodyLimit: Math.round(bodyMb * 1024 * 1024),
    inflatedLimit: Math.round(bodyMb * 1024 * 1024 * 16),
    allowDuplicateHostnames: dup === 'true' || dup === '1',
    webRoot: get('web-root'),
    agentFile: get('agent-file'),
    rollupEverySeconds: 30,
    retentionEverySeconds: 600,
    remoteWrite,
    remoteWriteQueueDir: get('remote-write-queue') || path.join(path.dirname(dbPath), 'remote-write'),
    remoteWriteQueueBytes: Math.round(queueMb * 1024 * 1024),
    readFrom,
    metricsToken: metricsToken || undefined,
  };
}
