// The drizzle schema: the single source of truth for Berth's SQLite file. Sample tables are
// made WITHOUT ROWID and views are added by a custom migration (migrations/0001_*), which
// drizzle's schema language cannot express. Column lists of the wide sample tables and their
// rollups come from the metric catalogue in protocol/metrics.ts.
import { sqliteTable, integer, text, real, primaryKey, uniqueIndex, index } from 'drizzle-orm/sqlite-core';
import { STORED, type CoreKind } from './sample-layout.ts';

export const hosts = sqliteTable('hosts', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull().unique(),
  machineId: text('machine_id'),
  agentVersion: text('agent_version'),
  intervalS: integer('interval_s').notNull().default(10),
  firstSeen: integer('first_seen').notNull(),
  lastSeen: integer('last_seen').notNull(),
  /** Newest sample time received (epoch s); last_seen is when the server last heard from it. */
  lastTs: integer('last_ts').notNull().default(0),
  /**
   * How far the agent's clock is ahead of the server's (s; negative: behind), from its last
   * batch: its Date header, or its newest sample against the arrival (server/ingest/clock-offset.ts).
   */
  clockOffsetS: integer('clock_offset_s'),
});

export const containers = sqliteTable(
  'containers',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    hostId: integer('host_id')
      .notNull()
      .references(() => hosts.id),
    name: text('name').notNull(),
    containerId: text('container_id').notNull(),
    image: text('image'),
    state: text('state'),
    composeProject: text('compose_project'),
    composeService: text('compose_service'),
    labels: text('labels'),
    firstSeen: integer('first_seen').notNull(),
    lastSeen: integer('last_seen').notNull(),
  },
  (t) => [uniqueIndex('containers_host_name').on(t.hostId, t.name)],
);

/** Everything that is not a core metric: per interface/disk/mount, IPVS, ARP, plugins. */
export const series = sqliteTable(
  'series',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    hostId: integer('host_id')
      .notNull()
      .references(() => hosts.id),
    name: text('name').notNull(),
    /** Canonical JSON (keys sorted) of the labels, so equal label sets compare equal. */
    labels: text('labels').notNull().default('{}'),
    unit: text('unit'),
    title: text('title'),
    firstSeen: integer('first_seen').notNull(),
    lastSeen: integer('last_seen').notNull(),
  },
  (t) => [uniqueIndex('series_host_name_labels').on(t.hostId, t.name, t.labels)],
);

/** Batch ids already stored, so a resend after a timeout is absorbed. */
export const batches = sqliteTable(
  'batches',
  {
    batchId: text('batch_id').primaryKey(),
    hostId: integer('host_id').notNull(),
    receivedAt: integer('received_at').notNull(),
    snapshots: integer('snapshots').notNull(),
  },
  (t) => [index('batches_received').on(t.receivedAt)],
);

/** Ingest tokens issued by the server, stored as SHA-256; bound to a host when `host` is set. */
export const tokens = sqliteTable('tokens', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  host: text('host').unique(),
  hash: text('hash').notNull().unique(),
  createdAt: integer('created_at').notNull(),
  revokedAt: integer('revoked_at'),
  lastUsedAt: integer('last_used_at'),
});

/** Per tier and kind, the time up to which rollups are complete. */
export const rollupState = sqliteTable(
  'rollup_state',
  {
    kind: text('kind').notNull(),
    tier: text('tier').notNull(),
    watermark: integer('watermark').notNull(),
  },
  (t) => [primaryKey({ columns: [t.kind, t.tier] })],
);

/**
 * Buckets below a watermark that late data touched, with the entity (host, container or series
 * id) it touched: the next rollup run recomputes that entity's bucket alone. Entity 0 means
 * every entity of the kind (what marks made before 0003 mean).
 */
export const rollupDirty = sqliteTable(
  'rollup_dirty',
  {
    kind: text('kind').notNull(),
    tier: text('tier').notNull(),
    bucket: integer('bucket').notNull(),
    entity: integer('entity').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.kind, t.tier, t.bucket, t.entity] })],
);

/**
 * Container events (protocol/events.ts), one row each, kept as long as the 1 h tier. The
 * natural key is what the engine says once: (host, time to the nanosecond, container id,
 * type), so a resent or replayed batch adds nothing. `cause` is derived when a `die` or
 * `start` is stored, from the container's events before it (server/ingest/store-events.ts).
 * The `container_events` view (custom migration) shows them with names and readable times.
 */
export const events = sqliteTable(
  'events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    hostId: integer('host_id').notNull(),
    /** Epoch seconds, and the nanoseconds within that second (the engine's timeNano exactly). */
    ts: integer('ts').notNull(),
    ns: integer('ns').notNull().default(0),
    type: text('type').notNull(),
    /** The container's name when it happened (the history follows names, as the charts do). */
    container: text('container').notNull(),
    containerId: text('container_id').notNull(),
    image: text('image'),
    exitCode: integer('exit_code'),
    signal: integer('signal'),
    health: text('health'),
    cause: text('cause'),
    composeProject: text('compose_project'),
    composeService: text('compose_service'),
    /** JSON object of the engine attributes worth keeping that have no column. */
    attrs: text('attrs'),
    /** When the server stored it (epoch s): an event replayed from a spool arrives late. */
    receivedAt: integer('received_at').notNull(),
  },
  (t) => [
    uniqueIndex('events_key').on(t.hostId, t.ts, t.ns, t.containerId, t.type),
    index('events_host_container').on(t.hostId, t.container, t.ts),
    index('events_host_container_id').on(t.hostId, t.containerId, t.ts),
    index('events_ts').on(t.ts),
  ],
);

/** Counters the server keeps across restarts (rejected batches, by reason). */
export const counters = sqliteTable('counters', {
  name: text('name').primaryKey(),
  value: integer('value').notNull().default(0),
});

type Col = ReturnType<typeof real> | ReturnType<typeof integer> | ReturnType<typeof text>;

/** A raw row's metrics: integers in units of each metric's step (db/sample-layout.ts). */
function rawColumns(kind: CoreKind): Record<string, Col> {
  const cols: Record<string, Col> = {};
  for (const m of STORED[kind]) cols[m.column] = integer(m.column);
  return cols;
}

/**
 * A rollup row's values (db/sample-layout.ts): n, the metrics with fewer samples, and per
 * metric its sum and how far min and max lie from the mean.
 */
function rollupColumns(kind: CoreKind): Record<string, Col> {
  const cols: Record<string, Col> = { n: integer('n').notNull(), nulls: text('nulls') };
  for (const m of STORED[kind])
    for (const c of [`${m.column}_sum`, `${m.column}_below`, `${m.column}_above`]) cols[c] = integer(c);
  return cols;
}

function seriesRollupColumns(): Record<string, Col> {
  return {
    value_avg: real('value_avg'),
    value_min: real('value_min'),
    value_max: real('value_max'),
    value_n: integer('value_n'),
  };
}

export const hostSamples = sqliteTable(
  'host_samples',
  { hostId: integer('host_id').notNull(), ts: integer('ts').notNull(), ...rawColumns('host') },
  (t) => [primaryKey({ columns: [t.hostId, t.ts] })],
);

export const containerSamples = sqliteTable(
  'container_samples',
  { containerId: integer('container_id').notNull(), ts: integer('ts').notNull(), ...rawColumns('container') },
  (t) => [primaryKey({ columns: [t.containerId, t.ts] })],
);

export const seriesSamples = sqliteTable(
  'series_samples',
  { seriesId: integer('series_id').notNull(), ts: integer('ts').notNull(), value: real('value') },
  (t) => [primaryKey({ columns: [t.seriesId, t.ts] })],
);

function hostRollup(name: string) {
  return sqliteTable(
    name,
    { hostId: integer('host_id').notNull(), ts: integer('ts').notNull(), ...rollupColumns('host') },
    (t) => [primaryKey({ columns: [t.hostId, t.ts] })],
  );
}
function containerRollup(name: string) {
  return sqliteTable(
    name,
    { containerId: integer('container_id').notNull(), ts: integer('ts').notNull(), ...rollupColumns('container') },
    (t) => [primaryKey({ columns: [t.containerId, t.ts] })],
  );
}
function seriesRollup(name: string) {
  return sqliteTable(
    name,
    { seriesId: integer('series_id').notNull(), ts: integer('ts').notNull(), ...seriesRollupColumns() },
    (t) => [primaryKey({ columns: [t.seriesId, t.ts] })],
  );
}

export const hostSamples1m = hostRollup('host_samples_1m');
export const hostSamples5m = hostRollup('host_samples_5m');
export const hostSamples1h = hostRollup('host_samples_1h');
export const containerSamples1m = containerRollup('container_samples_1m');
export const containerSamples5m = containerRollup('container_samples_5m');
export const containerSamples1h = containerRollup('container_samples_1h');
export const seriesSamples1m = seriesRollup('series_samples_1m');
export const seriesSamples5m = seriesRollup('series_samples_5m');
export const seriesSamples1h = seriesRollup('series_samples_1h');

/**
 * Who a top process was, once per host: its name, command line, user and container. Rows of
 * process_samples point here, so a command line repeated every tick is stored once.
 * last_seen lets retention drop names no row refers to any more.
 */
export const processNames = sqliteTable(
  'process_names',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    hostId: integer('host_id')
      .notNull()
      .references(() => hosts.id),
    name: text('name').notNull(),
    command: text('command').notNull(),
    /** '' when the agent could not tell (the same for container: '' is none). */
    user: text('user').notNull().default(''),
    container: text('container').notNull().default(''),
    lastSeen: integer('last_seen').notNull(),
  },
  (t) => [uniqueIndex('process_names_identity').on(t.hostId, t.command, t.name, t.user, t.container)],
);

/**
 * Each tick's top processes of a host (by CPU, memory and I/O, as its agent picked them), kept
 * as long as raw samples. Compact: names by id, CPU in hundredths of a percent and rates in
 * whole bytes as integers (a few bytes each in SQLite's variable-length integers, where a
 * REAL takes eight). WITHOUT ROWID (migration 0005): found by host and time, the key. The
 * top_processes view reads it back in plain units.
 */
export const processSamples = sqliteTable(
  'process_samples',
  {
    hostId: integer('host_id').notNull(),
    ts: integer('ts').notNull(),
    pid: integer('pid').notNull(),
    nameId: integer('name_id').notNull(),
    /** CPU in hundredths of a percent (100 % = one core); null on a process's first tick. */
    cpuCentipct: integer('cpu_centipct'),
    memBytes: integer('mem_bytes').notNull(),
    readBps: integer('read_bps'),
    writeBps: integer('write_bps'),
  },
  (t) => [primaryKey({ columns: [t.hostId, t.ts, t.pid] })],
);

/**
 * Alerts that are pending (a threshold held, not yet for `for:`) or firing, one row per rule and
 * instance (`key`: the host, container or labelled series), so a restart neither forgets nor
 * re-sends one. Written only when an instance changes.
 */
export const alertState = sqliteTable(
  'alert_state',
  {
    rule: text('rule').notNull(),
    key: text('key').notNull(),
    host: text('host').notNull(),
    container: text('container'),
    /** JSON labels of a labelled series, or null. */
    labels: text('labels'),
    phase: text('phase').notNull(),
    /** Epoch s: when the condition began. */
    since: integer('since').notNull(),
    /** Epoch s: when a firing threshold came back past its hysteresis band, or null. */
    clearSince: integer('clear_since'),
    value: real('value'),
    /** Epoch s of the newest data that touched it. */
    lastTs: integer('last_ts').notNull(),
    /** 1 once its firing was sent (0 while it fired in data that came in late). */
    notified: integer('notified').notNull().default(0),
    /** Its firing row in alert_history. */
    historyId: integer('history_id'),
  },
  (t) => [primaryKey({ columns: [t.rule, t.key] })],
);

/** Every transition (fired, resolved), what was sent for it (`payload`), newest last. */
export const alertHistory = sqliteTable(
  'alert_history',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    status: text('status').notNull(),
    rule: text('rule').notNull(),
    host: text('host').notNull(),
    container: text('container'),
    startedAt: integer('started_at').notNull(),
    endedAt: integer('ended_at'),
    /** The webhook payload (protocol/alerts.ts AlertPayload), JSON. */
    payload: text('payload').notNull(),
    /** 1: it happened in data that arrived late (a replayed spool): recorded, not sent. */
    late: integer('late').notNull().default(0),
    /** Server time it was recorded (epoch s). */
    at: integer('at').notNull(),
  },
  (t) => [index('alert_history_at').on(t.at)],
);

/** One row per transition and receiver: sent, or waiting for its next try. */
export const alertDeliveries = sqliteTable(
  'alert_deliveries',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    historyId: integer('history_id').notNull(),
    receiver: text('receiver').notNull(),
    attempts: integer('attempts').notNull().default(0),
    /** Epoch s of the next try; null once delivered or given up. */
    nextAt: integer('next_at'),
    /** Why the last try failed (never the receiver's URL: it may hold a token). */
    lastError: text('last_error'),
    deliveredAt: integer('delivered_at'),
    failedAt: integer('failed_at'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('alert_deliveries_next').on(t.nextAt), index('alert_deliveries_history').on(t.historyId)],
);

/** Small facts the alert evaluator keeps across restarts (the newest event id it read). */
export const alertMeta = sqliteTable('alert_meta', {
  name: text('name').primaryKey(),
  value: integer('value').notNull(),
});

/**
 * People who may sign in (server/auth/). A password user has `password` (scrypt, see
 * server/auth/passwords.ts); a single sign-on user has `subject` (`issuer#sub`) and no password.
 */
export const users = sqliteTable('users', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull().unique(),
  /** 'admin' | 'viewer'. */
  role: text('role').notNull(),
  password: text('password'),
  subject: text('subject').unique(),
  /** 'password' | 'oidc'. */
  via: text('via').notNull(),
  createdAt: integer('created_at').notNull(),
  lastSignInAt: integer('last_sign_in_at'),
});

/** Signed-in browsers: the cookie's SHA-256 only, so a copy of the file signs nobody in. */
export const sessions = sqliteTable(
  'sessions',
  {
    hash: text('hash').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** The anti-CSRF token the page sends back in a header on every change. */
    csrf: text('csrf').notNull(),
    createdAt: integer('created_at').notNull(),
    lastSeenAt: integer('last_seen_at').notNull(),
  },
  (t) => [index('sessions_user').on(t.userId)],
);

/** Bearer tokens that read like a viewer (scripts, Grafana): SHA-256 only. */
export const readTokens = sqliteTable('read_tokens', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull(),
  hash: text('hash').notNull().unique(),
  createdBy: text('created_by').notNull(),
  createdAt: integer('created_at').notNull(),
  lastUsedAt: integer('last_used_at'),
  revokedAt: integer('revoked_at'),
});

/** Links that show one host's view read-only until they expire or are revoked: SHA-256 only. */
export const shares = sqliteTable('shares', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  hash: text('hash').notNull().unique(),
  host: text('host').notNull(),
  createdBy: text('created_by').notNull(),
  createdAt: integer('created_at').notNull(),
  expiresAt: integer('expires_at').notNull(),
  lastUsedAt: integer('last_used_at'),
  revokedAt: integer('revoked_at'),
});

/** The one-time first-run link's code (SHA-256), valid once until it expires. */
export const setupCodes = sqliteTable('setup_codes', {
  hash: text('hash').primaryKey(),
  expiresAt: integer('expires_at').notNull(),
});

/** Every admin action and failed sign-in: who, what, from where (never a password or token). */
export const audit = sqliteTable(
  'audit',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: integer('at').notNull(),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    detail: text('detail').notNull().default(''),
    address: text('address').notNull().default(''),
  },
  (t) => [index('audit_at').on(t.at)],
);
