// GET /api/v1/hosts: hosts with last seen, online/offline, their newest values, their
// containers (running and recently gone) and compose projects: every host whole by default,
// or the ones query/hosts-page.ts chooses (one by name, a page found by name, summaries),
// chosen from the host rows before their containers and newest values are read.
import type Database from 'better-sqlite3';
import { Hono } from 'hono';
import { HOST_METRIC_NAMES, CONTAINER_METRIC_NAMES } from '../../protocol/metrics.ts';
import { statement } from '../db/statements.ts';
import { KINDS } from '../rollup/tiers.ts';
import { reading } from '../db/sample-layout.ts';
import type { AppDeps } from '../deps.ts';
import type { HostInfo } from '../query/source.ts';
import { chooseHosts, hostEntry, parseHostsQuery, type HostsPage, type HostsParam } from '../query/hosts-page.ts';
import { declareQuery } from './input.ts';

/** A host is offline once it missed two intervals (plus a little for collection time). */
export function isOnline(now: number, lastSeen: number, interval: number): boolean {
  return now - lastSeen <= 2 * interval + 2;
}

/** A host clock this far ahead of the server's still counts as now (a snapshot further ahead is an outlier). */
const CLOCK_SKEW_SECONDS = 300;

/** Containers not seen for this long drop off the list (their history stays queryable). */
const RECENTLY_GONE_SECONDS = 86400;

/** How many of an entity's newest rows `latest` looks through for a metric the newest lacks. */
const LATEST_ROWS = 3;

type Row = Record<string, unknown> & { ts: number };

/**
 * Each metric's newest value among `rows` (newest first), from rows no older than two intervals
 * before the newest: a metric the newest sample lacks (a rate on the agent's first reading
 * after a restart, a collector that missed a tick) shows its value of a tick ago rather than
 * vanishing, and one gone for longer is left out.
 */
function pick<M extends string>(rows: Row[], names: readonly M[], interval: number): Partial<Record<M, number>> {
  const out: Partial<Record<M, number>> = {};
  if (rows.length === 0) return out;
  const oldest = rows[0].ts - 2 * interval;
  for (const n of names) {
    const row = rows.find((r) => r.ts >= oldest && typeof r[n] === 'number');
    if (row) out[n] = row[n] as number;
  }
  return out;
}

/**
 * One statement for every entity of a kind: each one's newest LATEST_ROWS sample rows at or
 * before its `bound`, or, where it has none there, at or before its `fallback`, as one JSON
 * array per entity ([ts, ...metrics] each). One index seek per entity, as a statement of its
 * own would make (a join back to the rows would make three); SQLite writes doubles in JSON to
 * round-trip exactly.
 */
function newestRowsSql(kind: 'host' | 'container'): string {
  const { table, key, columns } = KINDS[kind];
  const cols = ['ts', ...columns].join(', ');
  // Plain numbers from the stored integers (db/sample-layout.ts).
  const plain = ['ts', ...columns.map((c) => `${reading(kind, c, false).avg} AS ${c}`)].join(', ');
  const rows = (bound: number) =>
    `(SELECT json_group_array(json_array(${cols})) FROM (SELECT ${plain} FROM ${table}
      WHERE ${key} = e.value ->> 0 AND ts <= e.value ->> ${bound} ORDER BY ts DESC LIMIT ${LATEST_ROWS}) HAVING count(*) > 0)`;
  return `SELECT e.value ->> 0 AS id, coalesce(${rows(1)}, ${rows(2)}) AS rows FROM json_each(?) e`;
}
const NEWEST_HOST_ROWS = newestRowsSql('host');
const NEWEST_CONTAINER_ROWS = newestRowsSql('container');

/** [id, bound, fallback] per entity → its newest rows, newest first (an entity with none is absent). */
function newestRows(
  sqlite: Database.Database,
  kind: 'host' | 'container',
  wanted: [number, number, number][],
): Map<number, Row[]> {
  const out = new Map<number, Row[]>();
  if (wanted.length === 0) return out;
  const columns = KINDS[kind].columns;
  const sql = kind === 'host' ? NEWEST_HOST_ROWS : NEWEST_CONTAINER_ROWS;
  for (const e of statement(sqlite, sql).all(JSON.stringify(wanted)) as { id: number; rows: string | null }[]) {
    if (e.rows === null) continue;
    const rows = (JSON.parse(e.rows) as (number | null)[][]).map((values) => {
      const row: Row = { ts: values[0]! };
      for (let i = 0; i < columns.length; i++) row[columns[i]] = values[i + 1];
      return row;
    });
    out.set(
      e.id,
      rows.sort((a, b) => b.ts - a.ts),
    );
  }
  return out;
}

interface HostRow {
  id: number;
  name: string;
  machine_id: string | null;
  agent_version: string | null;
  interval_s: number;
  first_seen: number;
  last_seen: number;
  last_ts: number;
  clock_offset_s: number | null;
}

interface ContainerRow {
  host_id: number;
  id: number;
  name: string;
  container_id: string;
  image: string | null;
  state: string | null;
  compose_project: string | null;
  compose_service: string | null;
  labels: string | null;
  first_seen: number;
  last_seen: number;
}

/**
 * The chosen hosts' whole entries in four statements, whatever their number of containers: the
 * hosts' newest rows, their containers, the containers' newest rows (each entity's bounds
 * passed in as JSON).
 */
function hostInfos(sqlite: Database.Database, hosts: readonly HostRow[], t: number): HostInfo[] {
  // Newest means newest up to now (give or take a clock's skew): a snapshot an agent stamped
  // hours ahead (ingest takes up to a day) must not stand for "now" until then. A clock a
  // few minutes fast still counts as now; only where nothing at all lies within that
  // (every sample ahead) is the newest taken as it is.
  const bounds = hosts.map((h) => t + Math.max(2 * h.interval_s, CLOCK_SKEW_SECONDS));
  const hostRows = newestRows(
    sqlite,
    'host',
    hosts.map((h, i) => [h.id, bounds[i], Number.MAX_SAFE_INTEGER]),
  );
  /** Per host, the time its containers are judged against: its newest sample up to now. */
  const refs = hosts.map((h, i) => (h.last_ts <= bounds[i] ? h.last_ts : (hostRows.get(h.id)?.[0].ts ?? h.last_ts)));
  const containers = hosts.length
    ? (statement(
        sqlite,
        `SELECT c.host_id, c.id, c.name, c.container_id, c.image, c.state, c.compose_project, c.compose_service,
                c.labels, c.first_seen, c.last_seen
         FROM json_each(?) j JOIN containers c ON c.host_id = j.value ->> 0 AND c.last_seen >= j.value ->> 1
         ORDER BY c.host_id, c.compose_project IS NULL, c.compose_project, c.name`,
      ).all(JSON.stringify(hosts.map((h, i) => [h.id, refs[i] - RECENTLY_GONE_SECONDS]))) as ContainerRow[])
    : [];
  const byHost = new Map<number, ContainerRow[]>();
  for (const r of containers) {
    const list = byHost.get(r.host_id);
    if (list) list.push(r);
    else byHost.set(r.host_id, [r]);
  }
  const boundOf = new Map(hosts.map((h, i) => [h.id, bounds[i]]));
  const containerRows = newestRows(
    sqlite,
    'container',
    containers.map((r) => [r.id, Math.min(r.last_seen, boundOf.get(r.host_id)!), r.last_seen]),
  );
  return hosts.map((h, i) => {
    const bound = bounds[i];
    const ref = refs[i];
    const list = (byHost.get(h.id) ?? []).map((r) => {
      const newest = containerRows.get(r.id) ?? [];
      const lastSeen = r.last_seen <= bound ? r.last_seen : newest.length ? newest[0].ts : r.last_seen;
      // Present in the host's newest snapshot means running now.
      const running = lastSeen >= ref - h.interval_s && (r.state ?? 'running') === 'running';
      return {
        name: r.name,
        id: r.container_id,
        image: r.image,
        state: running ? (r.state ?? 'running') : 'gone',
        running,
        compose_project: r.compose_project,
        compose_service: r.compose_service,
        labels: r.labels ? (JSON.parse(r.labels) as Record<string, string>) : {},
        first_seen: r.first_seen,
        last_seen: lastSeen,
        latest: pick(newest, CONTAINER_METRIC_NAMES, h.interval_s),
      };
    });
    return {
      name: h.name,
      machine_id: h.machine_id,
      agent_version: h.agent_version,
      interval: h.interval_s,
      first_seen: h.first_seen,
      last_seen: h.last_seen,
      last_ts: h.last_ts,
      /** Seconds the agent's clock is ahead of the server's (negative: behind); null until known. */
      clock_offset: h.clock_offset_s,
      online: isOnline(t, h.last_seen, h.interval_s),
      latest: pick(hostRows.get(h.id) ?? [], HOST_METRIC_NAMES, h.interval_s),
      containers: list,
      compose_projects: [...new Set(list.map((x) => x.compose_project).filter((p): p is string => !!p))].sort(),
    };
  });
}

export function hostsRoute({ db, now }: AppDeps) {
  const sqlite = db.$client;
  return new Hono().get('/', declareQuery<HostsParam>(), (c) => {
    const q = parseHostsQuery((k) => c.req.query(k));
    const t = now();
    const rows = statement(
      sqlite,
      'SELECT id, name, machine_id, agent_version, interval_s, first_seen, last_seen, last_ts, clock_offset_s FROM hosts ORDER BY name',
    ).all() as HostRow[];
    const { chosen, total, online } = chooseHosts(
      rows.map((h) => ({ name: h.name, online: isOnline(t, h.last_seen, h.interval_s), row: h })),
      q,
    );
    const hosts = hostInfos(
      sqlite,
      chosen.map((h) => h.row),
      t,
    );
    return c.json<HostsPage>({ now: t, total, online, hosts: hosts.map((h) => hostEntry(h, q.view)) });
  });
}
