// Server configuration: flags, then BERTH_* environment variables, then defaults. Read and
// validated once; every bad value is reported by name.
import { parseArgs } from 'node:util';
import { DEFAULT_RETENTION, parseRetention, type Retention } from './rollup/tiers.ts';

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
  if (problems.length) throw new ConfigError(problems.join('\n'));
  return {
    port,
    bind: get('bind'),
    dbPath: get('db'),
    tokens,
    retention,
    bodyLimit: Math.round(bodyMb * 1024 * 1024),
    inflatedLimit: Math.round(bodyMb * 1024 * 1024 * 16),
    allowDuplicateHostnames: dup === 'true' || dup === '1',
    webRoot: get('web-root'),
    agentFile: get('agent-file'),
    rollupEverySeconds: 30,
    retentionEverySeconds: 600,
  };
}
