// Writes one validated batch in one transaction: host and container identity, wide sample
// rows, labelled series, the batch id (so a resend is absorbed), and late-data markers for
// the rollups. Duplicate (entity, ts) rows are ignored, so a replay is idempotent. Sample rows
// go through the incoming tables (see incoming.ts): merged into the sample tables in the same
// transaction by default, or later with other requests' rows when the caller says so.
import type Database from 'better-sqlite3';
import type { Batch, ContainerSample } from '../../protocol/batch.ts';
import { HOST_METRIC_NAMES, CONTAINER_METRIC_NAMES } from '../../protocol/metrics.ts';
import { markLate } from '../rollup/rollup.ts';
import { incomingInsert, mergeIncoming } from './incoming.ts';

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
    hostRow: incomingInsert(sqlite, 'host'),
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
    containerRow: incomingInsert(sqlite, 'container'),
    seriesUpsert: sqlite.prepare(
      `INSERT INTO series (host_id, name, labels, unit, title, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (host_id, name, labels) DO UPDATE SET
         first_seen = min(first_seen, excluded.first_seen), last_seen = max(last_seen, excluded.last_seen),
         unit = coalesce(excluded.unit, unit), title = coalesce(excluded.title, title)
       RETURNING id`,
    ).pluck(),
    seriesRow: incomingInsert(sqlite, 'series'),
  };
}

const cache = new WeakMap<Database.Database, ReturnType<typeof statements>>();

export function storeBatch(
  sqlite: Database.Database,
  batch: Batch,
  now: number,
  opts: {
    allowDuplicateHostnames?: boolean;
    /** Merge the incoming rows into the sample tables before committing (default true). */
    merge?: boolean;
  } = {},
): StoreResult {
  let st = cache.get(sqlite);
  if (!st) {
    st = statements(sqlite);
    cache.set(sqlite, st);
  }
  const s = st;
  return sqlite.transaction((): StoreResult => {
    const result: StoreResult = { duplicate: false, hostRows: 0, containerRows: 0, seriesRows: 0 };
    if (s.batchSeen.get(batch.batch_id)) return { ...result, duplicate: true };

    const a = batch.agent;
    const maxTs = Math.max(...batch.snapshots.map((x) => x.ts));
    const minTs = Math.min(...batch.snapshots.map((x) => x.ts));
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

    // One upsert per container per batch (not per snapshot): its identity from the newest
    // snapshot it is in, first/last seen spanning the batch. Recreated under the same name, it
    // keeps its row (and history) and takes the new Docker id.
    const newest = new Map<string, { c: ContainerSample; first: number; last: number }>();
    for (const snap of batch.snapshots) {
      for (const c of snap.containers) {
        const seen = newest.get(c.name);
        if (!seen) newest.set(c.name, { c, first: snap.ts, last: snap.ts });
        else {
          if (snap.ts >= seen.last) {
            seen.c = c;
            seen.last = snap.ts;
          }
          seen.first = Math.min(seen.first, snap.ts);
        }
      }
    }
    const containerIds = new Map<string, number>();
    for (const [name, { c, first, last }] of newest) {
      const cid = s.containerUpsert.get(
        hostId, name, c.id, c.image ?? null, c.state ?? null, c.compose_project ?? null, c.compose_service ?? null,
        c.labels ? JSON.stringify(c.labels) : null, first, last,
      ) as number;
      containerIds.set(name, cid);
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

    for (const snap of batch.snapshots) {
      const ts = snap.ts;
      const hostVals: (number | null)[] = [hostId, ts];
      let anyHost = false;
      for (const n of HOST_METRIC_NAMES) {
        const v = snap.host[n];
        hostVals.push(v ?? null);
        if (v !== undefined) anyHost = true;
      }
      if (anyHost) {
        result.hostRows += s.hostRow(hostVals);
        tsSeen.host.add(ts);
      }
      for (const n in snap.host) {
        if (hostCols.has(n)) continue;
        result.seriesRows += s.seriesRow([seriesId(n, {}), ts, snap.host[n]]);
        tsSeen.series.add(ts);
      }

      for (const c of snap.containers) {
        const vals: (number | null)[] = [containerIds.get(c.name)!, ts];
        for (const n of CONTAINER_METRIC_NAMES) vals.push(c.metrics[n] ?? null);
        result.containerRows += s.containerRow(vals);
        tsSeen.container.add(ts);
        for (const n in c.metrics) {
          if (containerCols.has(n)) continue;
          result.seriesRows += s.seriesRow([seriesId(n, { container: c.name }), ts, c.metrics[n]]);
          tsSeen.series.add(ts);
        }
      }

      for (const x of snap.series) {
        const labels = x.container === undefined ? x.labels : { ...x.labels, container: x.container };
        result.seriesRows += s.seriesRow([seriesId(x.name, labels), ts, x.value]);
        tsSeen.series.add(ts);
      }
    }

    markLate(sqlite, 'host', tsSeen.host);
    markLate(sqlite, 'container', tsSeen.container);
    markLate(sqlite, 'series', tsSeen.series);
    s.batchAdd.run(batch.batch_id, hostId, now, batch.snapshots.length);
    if (opts.merge !== false) mergeIncoming(sqlite);
    return result;
  })();
}
