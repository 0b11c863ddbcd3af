// Writes one validated batch in one transaction: host and container identity, wide sample
// rows, labelled series, the batch id (so a resend is absorbed), and late-data markers for
// the rollups. Duplicate (entity, ts) rows are ignored, so a replay is idempotent. Takes v2
// columns (v1 snapshots are turned into columns first).
import type Database from 'better-sqlite3';
import type { Batch, ColumnBatch } from '../../protocol/batch.ts';
import { COLUMNS_VERSION } from '../../protocol/constants.ts';
import { timeSpan, toColumnBatch } from '../../protocol/columns.ts';
import { HOST_METRIC_NAMES, CONTAINER_METRIC_NAMES } from '../../protocol/metrics.ts';
import { markLate } from '../rollup/rollup.ts';

export interface StoreResult {
  duplicate: boolean;
  hostRows: number;
  containerRows: number;
  seriesRows: number;
}

/** The agent's host name is taken by a different machine: refused unless the server allows it. */
export class HostConflict extends Error {}

const hostCols = new Set<string>(HOST_METRIC_NAMES);
const containerCols = new Set<string>(CONTAINER_METRIC_NAMES);

/** Canonical form of a label set: keys sorted, so equal sets are equal strings. */
export function canonicalLabels(labels: Record<string, string>): string {
  const keys = Object.keys(labels).sort();
  const out: Record<string, string> = {};
  for (const k of keys) out[k] = labels[k];
  return JSON.stringify(out);
}

/** INSERT OR IGNORE of one sample row (entity id, ts, …values); returns rows inserted (0 or 1). */
function insertRow(sqlite: Database.Database, table: string, key: string, columns: readonly string[]): (values: (number | null)[]) => number {
  const stmt = sqlite.prepare(
    `INSERT OR IGNORE INTO ${table} (${[key, 'ts', ...columns].join(', ')}) VALUES (${Array.from({ length: columns.length + 2 }, () => '?').join(', ')})`,
  );
  return (values) => stmt.run(...values).changes;
}

function statements(sqlite: Database.Database) {
  return {
    batchSeen: sqlite.prepare('SELECT 1 FROM batches WHERE batch_id = ?').pluck(),
    batchAdd: sqlite.prepare('INSERT INTO batches (batch_id, host_id, received_at, snapshots) VALUES (?, ?, ?, ?)'),
    hostGet: sqlite.prepare('SELECT id, machine_id AS machineId FROM hosts WHERE name = ?'),
    hostAdd: sqlite.prepare(
      'INSERT INTO hosts (name, machine_id, agent_version, interval_s, first_seen, last_seen, last_ts) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id',
    ).pluck(),
    hostTouch: sqlite.prepare(
      `UPDATE hosts SET last_seen = ?, last_ts = max(last_ts, ?), agent_version = coalesce(?, agent_version),
       interval_s = coalesce(?, interval_s), machine_id = coalesce(machine_id, ?) WHERE id = ?`,
    ),
    hostRow: insertRow(sqlite, 'host_samples', 'host_id', HOST_METRIC_NAMES),
    containerUpsert: sqlite.prepare(
      `INSERT INTO containers (host_id, name, container_id, image, state, compose_project, compose_service, labels, first_seen, last_seen)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (host_id, name) DO UPDATE SET
         first_seen = min(first_seen, excluded.first_seen),
         container_id = CASE WHEN excluded.last_seen >= last_seen THEN excluded.container_id ELSE container_id END,
         image = CASE WHEN excluded.last_seen >= last_seen THEN excluded.image ELSE image END,
         state = CASE WHEN excluded.last_seen >= last_seen THEN excluded.state ELSE state END,
         compose_project = CASE WHEN excluded.last_seen >= last_seen THEN excluded.compose_project ELSE compose_project END,
         compose_service = CASE WHEN excluded.last_seen >= last_seen THEN excluded.compose_service ELSE compose_service END,
         labels = CASE WHEN excluded.last_seen >= last_seen THEN excluded.labels ELSE labels END,
         last_seen = max(last_seen, excluded.last_seen)
       RETURNING id`,
    ).pluck(),
    containerRow: insertRow(sqlite, 'container_samples', 'container_id', CONTAINER_METRIC_NAMES),
    seriesUpsert: sqlite.prepare(
      `INSERT INTO series (host_id, name, labels, unit, title, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (host_id, name, labels) DO UPDATE SET
         first_seen = min(first_seen, excluded.first_seen), last_seen = max(last_seen, excluded.last_seen),
         unit = coalesce(excluded.unit, unit), title = coalesce(excluded.title, title)
       RETURNING id`,
    ).pluck(),
    seriesRow: insertRow(sqlite, 'series_samples', 'series_id', ['value']),
  };
}

const cache = new WeakMap<Database.Database, ReturnType<typeof statements>>();

export function storeBatch(
  sqlite: Database.Database,
  input: Batch | ColumnBatch,
  now: number,
  opts: { allowDuplicateHostnames?: boolean } = {},
): StoreResult {
  let st = cache.get(sqlite);
  if (!st) {
    st = statements(sqlite);
    cache.set(sqlite, st);
  }
  const s = st;
  const batch = input.v === COLUMNS_VERSION ? input : toColumnBatch(input);
  return sqlite.transaction((): StoreResult => {
    const result: StoreResult = { duplicate: false, hostRows: 0, containerRows: 0, seriesRows: 0 };
    if (s.batchSeen.get(batch.batch_id)) return { ...result, duplicate: true };

    const span = timeSpan(batch);
    // No samples (a v1 snapshot with nothing in it): a heartbeat at the server's time.
    const minTs = span?.min ?? now;
    const maxTs = span?.max ?? now;

    const a = batch.agent;
    const interval = a.interval === undefined ? null : Math.max(1, Math.round(a.interval));
    const existing = s.hostGet.get(a.host) as { id: number; machineId: string | null } | undefined;
    let hostId: number;
    if (existing) {
      if (!opts.allowDuplicateHostnames && existing.machineId && a.machine_id && existing.machineId !== a.machine_id) {
        throw new HostConflict(
          `host name "${a.host}" already belongs to another machine (machine-id differs); start this agent with --host NAME to give it its own name`,
        );
      }
      hostId = existing.id;
      s.hostTouch.run(now, maxTs, a.version ?? null, interval, a.machine_id ?? null, hostId);
    } else {
      hostId = s.hostAdd.get(a.host, a.machine_id ?? null, a.version ?? null, interval ?? 10, minTs, now, maxTs) as number;
    }

    const seriesIds = new Map<string, number>();
    const meta = batch.meta ?? {};
    // One upsert per series per batch; first/last seen span the batch (at most a flush long).
    const seriesId = (name: string, labels: Record<string, string>): number => {
      const key = canonicalLabels(labels);
      const k = `${name}\u0000${key}`;
      let id = seriesIds.get(k);
      if (id === undefined) {
        const m = meta[name];
        id = s.seriesUpsert.get(hostId, name, key, m?.unit ?? null, m?.label ?? null, minTs, maxTs) as number;
        seriesIds.set(k, id);
      }
      return id;
    };
    const tsSeen = { host: new Set<number>(), container: new Set<number>(), series: new Set<number>() };
    /** Metrics outside the catalogue, stored as series of the entity's labels. */
    const extras = (metrics: Record<string, (number | null)[]>, ts: number[], known: Set<string>, labels: Record<string, string>) => {
      for (const n in metrics) {
        if (known.has(n)) continue;
        const col = metrics[n];
        let id: number | undefined;
        for (let i = 0; i < ts.length; i++) {
          const v = col[i];
          if (v === null) continue;
          id ??= seriesId(n, labels);
          result.seriesRows += s.seriesRow([id, ts[i], v]);
          tsSeen.series.add(ts[i]);
        }
      }
    };

    const h = batch.host;
    if (h) {
      const cols = HOST_METRIC_NAMES.map((n) => h.metrics[n]);
      for (let i = 0; i < h.ts.length; i++) {
        const vals: (number | null)[] = [hostId, h.ts[i]];
        let any = false;
        for (const col of cols) {
          const v = col === undefined ? null : col[i];
          vals.push(v);
          if (v !== null) any = true;
        }
        if (!any) continue;
        result.hostRows += s.hostRow(vals);
        tsSeen.host.add(h.ts[i]);
      }
      extras(h.metrics, h.ts, hostCols, {});
    }

    // One upsert per container entry (one per Docker id): identity from the entry, first/last
    // seen spanning its times, applied oldest entry first so the newest identity wins.
    // Recreated under the same name, a container keeps its row (and history) and takes the
    // new Docker id.
    const entries = batch.containers.map((c) => ({ c, first: Math.min(...c.ts), last: Math.max(...c.ts) })).sort((x, y) => x.last - y.last);
    for (const { c, first, last } of entries) {
      const cid = s.containerUpsert.get(
        hostId, c.name, c.id, c.image ?? null, c.state ?? null, c.compose_project ?? null, c.compose_service ?? null,
        c.labels ? JSON.stringify(c.labels) : null, first, last,
      ) as number;
      const cols = CONTAINER_METRIC_NAMES.map((n) => c.metrics[n]);
      for (let i = 0; i < c.ts.length; i++) {
        const vals: (number | null)[] = [cid, c.ts[i]];
        for (const col of cols) vals.push(col === undefined ? null : col[i]);
        result.containerRows += s.containerRow(vals);
        tsSeen.container.add(c.ts[i]);
      }
      extras(c.metrics, c.ts, containerCols, { container: c.name });
    }

    for (const x of batch.series) {
      const id = seriesId(x.name, x.container === undefined ? x.labels : { ...x.labels, container: x.container });
      for (let i = 0; i < x.ts.length; i++) {
        const v = x.values[i];
        if (v === null) continue;
        result.seriesRows += s.seriesRow([id, x.ts[i], v]);
        tsSeen.series.add(x.ts[i]);
      }
    }

    markLate(sqlite, 'host', tsSeen.host);
    markLate(sqlite, 'container', tsSeen.container);
    markLate(sqlite, 'series', tsSeen.series);
    s.batchAdd.run(batch.batch_id, hostId, now, span?.ticks ?? 0);
    return result;
  })();
}
