// Server configuration: flags, then BERTH_* environment variables, then defaults, declared once
// in SERVER_OPTIONS (lib/options.ts reads it and makes --help and the README table from it).
// Read and validated once; every bad value is reported by its flag, then exit 2.
import { helpText, option, readOptions, repeated } from '../lib/options.ts';
import path from 'node:path';
import { boolean, nonBlank, number, optional, text } from '../lib/option-parsers.ts';
import { parseRetention, type Retention } from './rollup/tiers.ts';
import { parseRemoteUrl, type RemoteUrl } from './remote-url.ts';
import { parseSmtpUrl, type SmtpConfig } from './alerts/smtp-url.ts';
import { OIDC_OPTIONS, oidcConfig, type OidcConfig } from './auth/oidc-options.ts';

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
  /** The alert rules file (YAML), watched for changes. */
  alertsFile?: string;
  /** Where e-mail alerts are sent through. */
  smtp?: SmtpConfig;
  /** The page's address as people open it, for links in alerts (default: the listening address). */
  publicUrl?: string;
  /** Anyone who reaches the port may read (no sign-in); managing still needs an admin. */
  publicRead: boolean;
  /** Believe X-Forwarded-Proto/-For from a reverse proxy in front (Secure cookies, client address). */
  trustProxy: boolean;
  /** Single sign-on through an OpenID Connect provider (--oidc-issuer and the rest). */
  oidc?: OidcConfig;
}

/** Every flag with its environment variable, default and meaning: --help and the README's table. */
export const SERVER_OPTIONS = {
  port: option({ env: 'BERTH_PORT', default: '8787', help: 'TCP port to listen on', parse: number(0, 65535) }),
  bind: option({
    env: 'BERTH_BIND',
    default: '127.0.0.1',
    help: 'Address to listen on (0.0.0.0 for every interface)',
    parse: text,
  }),
  db: option({
    env: 'BERTH_DB',
    default: './data/berth.db',
    help: 'SQLite file (created with its folder)',
    parse: text,
  }),
  token: repeated({
    env: 'BERTH_TOKEN',
    separator: ',',
    default: '',
    help: 'Shared ingest token (repeatable; env: comma-separated)',
    parse: (raws, problem) => {
      const tokens = raws
        .flatMap((r) => r.split(','))
        .map((s) => s.trim())
        .filter(Boolean);
      for (const t of tokens) if (t.length < 16) problem('a token must be at least 16 characters');
      return tokens;
    },
  }),
  retention: option({
    env: 'BERTH_RETENTION',
    default: 'raw=7d,1m=30d,5m=180d,1h=2y',
    help: 'How long each tier is kept',
    parse: parseRetention,
  }),
  'body-limit': option({
    env: 'BERTH_BODY_LIMIT',
    default: '8',
    help: 'Largest ingest body in MB (compressed)',
    parse: number(0.001, 1024),
  }),
  'allow-duplicate-hostnames': option({
    env: 'BERTH_ALLOW_DUPLICATE_HOSTNAMES',
    default: 'false',
    switch: true,
    help: 'Accept two machines under one host name',
    parse: boolean,
  }),
  'web-root': option({
    env: 'BERTH_WEB_ROOT',
    default: './web/dist',
    help: 'Folder of the built web page',
    parse: text,
  }),
  'agent-file': option({
    env: 'BERTH_AGENT_FILE',
    default: './dist/berth-agent.mjs',
    help: 'Bundled agent served at /agent.mjs',
    parse: text,
  }),
  'remote-write': repeated({
    env: 'BERTH_REMOTE_WRITE',
    separator: /\s+/,
    default: '',
    help: 'Prometheus remote-write URL every stored sample is forwarded to (repeatable; basic auth as user:pass@ in the URL; env: space-separated)',
    parse: nonBlank,
  }),
  'remote-write-header': repeated({
    env: 'BERTH_REMOTE_WRITE_HEADER',
    separator: '\n',
    default: '',
    help: "Header sent to every remote-write URL, 'Name: value' (repeatable; env: one per line)",
    parse: nonBlank,
  }),
  'remote-write-queue': option({
    env: 'BERTH_REMOTE_WRITE_QUEUE',
    default: '',
    help: 'Folder of the forwarding queues on disk (default: remote-write/ beside the database)',
    parse: optional(text),
  }),
  'remote-write-queue-mb': option({
    env: 'BERTH_REMOTE_WRITE_QUEUE_MB',
    default: '1024',
    help: 'Most each remote-write target may have waiting on disk, in MB; past it the oldest samples are dropped (counted)',
    parse: number(1, 1024 * 1024),
  }),
  'read-from': option({
    env: 'BERTH_READ_FROM',
    default: '',
    help: 'Answer the page from this Prometheus query API (VictoriaMetrics, Prometheus, Mimir) instead of SQLite',
    parse: (raw) => raw.trim() || undefined,
  }),
  'read-from-header': repeated({
    env: 'BERTH_READ_FROM_HEADER',
    separator: '\n',
    default: '',
    help: "Header sent to the --read-from API, 'Name: value' (repeatable; env: one per line)",
    parse: nonBlank,
  }),
  'metrics-token': option({
    env: 'BERTH_METRICS_TOKEN',
    default: '',
    help: 'Bearer token GET /metrics asks for instead of a read token (docs/security.md)',
    parse: optional((raw) => {
      if (raw.length < 16) throw new Error('a token must be at least 16 characters');
      return raw;
    }),
  }),
  alerts: option({
    env: 'BERTH_ALERTS',
    default: '',
    help: 'Alert rules file (YAML, see docs/alerts.md); reloaded when it changes',
    parse: optional(text),
  }),
  smtp: option({
    env: 'BERTH_SMTP',
    default: '',
    help: 'Mail server for e-mail alerts: smtp://[user:pass@]host:port (smtps:// for TLS; ?from=address)',
    // A bad URL is named by what is wrong with it, never echoed: it may hold a password.
    parse: optional(parseSmtpUrl),
  }),
  'public-url': option({
    env: 'BERTH_PUBLIC_URL',
    default: '',
    help: "This page's address as people open it, for the links in alerts and single sign-on's redirect URI (default: the listening address)",
    parse: optional((raw) => {
      if (!/^https?:\/\/\S+$/.test(raw)) throw new Error(`"${raw}" must be an http:// or https:// address`);
      return raw;
    }),
  }),
  'public-read': option({
    env: 'BERTH_PUBLIC_READ',
    default: 'false',
    switch: true,
    help: 'Let anyone who reaches the port read every host without signing in (a trusted network only); managing still needs an admin',
    parse: boolean,
  }),
  'trust-proxy': option({
    env: 'BERTH_TRUST_PROXY',
    default: 'false',
    switch: true,
    help: 'Behind a reverse proxy: believe its X-Forwarded-Proto (Secure cookies) and X-Forwarded-For (sign-in rate limits)',
    parse: boolean,
  }),
  ...OIDC_OPTIONS,
};

/** The server's configuration; throws a ConfigError naming every bad flag. */
export function loadServerConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const read = readOptions(SERVER_OPTIONS, argv, env);
  const v = read.values;
  /** An endpoint with its headers; a bad one is named by its flag, never with its secrets. */
  const remote = (flag: 'remote-write' | 'read-from', raw: string, headers: string[]): RemoteUrl | undefined => {
    try {
      return parseRemoteUrl(raw, headers);
    } catch (e) {
      read.problem(flag, (e as Error).message);
      return undefined;
    }
  };
  const writeHeaders = v['remote-write-header'] ?? [];
  const remoteWrite = (v['remote-write'] ?? [])
    .map((u) => remote('remote-write', u, writeHeaders))
    .filter((r): r is RemoteUrl => r !== undefined);
  if (writeHeaders.length && (v['remote-write'] ?? []).length === 0)
    read.problem('remote-write-header', 'given without --remote-write');
  const readFrom = v['read-from'] ? remote('read-from', v['read-from'], v['read-from-header'] ?? []) : undefined;
  const oidc = read.refused('oidc-issuer') ? undefined : oidcConfig(v, v['public-url'], read.problem);
  read.check();
  const bodyMb = v['body-limit'];
  return {
    port: v.port,
    bind: v.bind,
    dbPath: v.db,
    tokens: v.token,
    retention: v.retention,
    bodyLimit: Math.round(bodyMb * 1024 * 1024),
    inflatedLimit: Math.round(bodyMb * 1024 * 1024 * 16),
    allowDuplicateHostnames: v['allow-duplicate-hostnames'],
    webRoot: v['web-root'],
    agentFile: v['agent-file'],
    rollupEverySeconds: 30,
    retentionEverySeconds: 600,
    remoteWrite,
    remoteWriteQueueDir: v['remote-write-queue'] ?? path.join(path.dirname(v.db), 'remote-write'),
    remoteWriteQueueBytes: Math.round(v['remote-write-queue-mb'] * 1024 * 1024),
    readFrom,
    metricsToken: v['metrics-token'],
    alertsFile: v.alerts,
    smtp: v.smtp,
    publicUrl: v['public-url'],
    publicRead: v['public-read'],
    trustProxy: v['trust-proxy'],
    oidc,
  };
}

/** The server's --help: its own usage lines, then every flag. */
export function serverUsage(usage: string[]): string {
  return helpText(SERVER_OPTIONS, usage);
}
