// Writes validated batches, in two steps that the writer may run in separate transactions:
//  - acceptBatch: the batch id (so a resend is absorbed) and the host's identity (a name taken
//    by another machine is refused), the part an agent's answer depends on;
//  - storeSamples: container and series identity, wide sample rows, labelled series and
//    late-data markers for the rollups, for any number of accepted batches at once (each
//    container and series upserted once for all of them).
// storeBatch does both in one transaction. Duplicate (entity, ts) rows are ignored, so a
// replay is idempotent. Takes v2 columns (v1 snapshots are turned into columns first).
import type Database from 'better-sqlite3';
import type { Batch, ColumnBatch, ContainerColumns } from '../../protocol/batch.ts';
import { canonicalLabels } from '../../protocol/series-key.ts';
import { COLUMNS_VERSION } from '../../protocol/constants.ts';
import { timeSpan, toColumnBatch } from '../../protocol/columns.ts';
import { HOST_METRIC_NAMES, CONTAINER_METRIC_NAMES } from '../../protocol/metrics.ts';
import { lateCheck } from '../rollup/rollup.ts';
import { storeEvents } from './store-events.ts';
import { clockOffset } from './clock-offset.ts';
import { statement } from '../db/statements.ts';
import { storeProcesses } from './store-processes.ts';
import { quantize, rawValueColumns, STORED } from '../db/sample-layout.ts';

export interface StoreResult {
  duplicate: boolean;
  hostRows: number;
  containerRows: number;
  seriesRows: number;
  /** Container events added (ingest/store-events.ts); none for a batch seen before. */
  eventRows?: number;
}

export type RowCounts = Omit<StoreResult, 'duplicate'>;

/** What a resent batch id is answered: absorbed, nothing stored. */
export const DUPLICATE: StoreResult = { duplicate: true, hostRows: 0, containerRows: 0, seriesRows: 0 };

/** The agent's host name is taken by a different machine: refused unless the server allows it. */
export class HostConflict extends Error {}

const hostCols = new Set<string>(HOST_METRIC_NAMES);
const containerCols = new Set<string>(CONTAINER_METRIC_NAMES);

/** Rows one INSERT statement takes at most (an agent batch's ticks for one entity fit in one). */
const ROWS_PER_STATEMENT = 16;

/**
 * INSERT OR IGNORE of sample rows (entity id, ts, …values, row after row in one flat array),
 * up to ROWS_PER_STATEMENT rows a statement: one call into SQLite for an entity's ticks
 * instead of one per row. Returns the rows inserted (a duplicate (entity, ts) adds none).
 */
function rowWriter(table: string, key: string, columns: readonly string[]) {
  const width = columns.length + 2;
  const tuple = `(${Array.from({ length: width }, () => '?').join(', ')})`;
  // The texts are made once: the statement cache finds them by text on every batch.
  const sqlFor = Array.from(
    { length: ROWS_PER_STATEMENT + 1 },
    (_, rows) =>
      `INSERT OR IGNORE INTO ${table} (${[key, 'ts', ...columns].join(', ')}) VALUES ${Array.from({ length: rows }, () => tuple).join(', ')}`,
  );
  return (sqlite: Database.Database, flat: (number | null)[]): number => {
    const rows = flat.length / width;
    if (rows <= ROWS_PER_STATEMENT) return rows === 0 ? 0 : statement(sqlite, sqlFor[rows]).run(flat).changes;
    let inserted = 0;
    for (let r = 0; r < rows; r += ROWS_PER_STATEMENT) {
      const n = Math.min(ROWS_PER_STATEMENT, rows - r);
      inserted += statement(sqlite, sqlFor[n]).run(flat.slice(r * width, (r + n) * width)).changes;
    }
    return inserted;
  };
}

const writeHostRows = rowWriter('host_samples', 'host_id', rawValueColumns('host'));
const writeContainerRows = rowWriter('container_samples', 'container_id', rawValueColumns('container'));
const writeSeriesRows = rowWriter('series_samples', 'series_id', ['value']);

function statements(sqlite: Database.Database) {
  return {
    batchSeen: statement(sqlite, 'SELECT 1 FROM batches WHERE batch_id = ?', 'pluck'),
    batchAdd: statement(sqlite, 'INSERT INTO batches (batch_id, host_id, received_at, snapshots) VALUES (?, ?, ?, ?)'),
    hostGet: statement(sqlite, 'SELECT id, machine_id AS machineId, last_ts AS lastTs FROM hosts WHERE name = ?'),
    hostAdd: statement(
      sqlite,
      'INSERT INTO hosts (name, machine_id, agent_version, interval_s, first_seen, last_seen, last_ts, clock_offset_s) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id',
      'pluck',
    ),
    hostTouch: statement(
      sqlite,
      `UPDATE hosts SET last_seen = ?, last_ts = max(last_ts, ?), agent_version = coalesce(?, agent_version),
       interval_s = coalesce(?, interval_s), machine_id = coalesce(machine_id, ?),
       clock_offset_s = coalesce(?, clock_offset_s) WHERE id = ?`,
    ),
    hostRows: (flat: (number | null)[]) => writeHostRows(sqlite, flat),
    containerUpsert: statement(
      sqlite,
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
      'pluck',
    ),
    containerRows: (flat: (number | null)[]) => writeContainerRows(sqlite, flat),
    seriesUpsert: statement(
      sqlite,
      `INSERT INTO series (host_id, name, labels, unit, title, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (host_id, name, labels) DO UPDATE SET
         first_seen = min(first_seen, excluded.first_seen), last_seen = max(last_seen, excluded.last_seen),
         unit = coalesce(excluded.unit, unit), title = coalesce(excluded.title, title)
       RETURNING id`,
      'pluck',
    ),
    seriesRows: (flat: (number | null)[]) => writeSeriesRows(sqlite, flat),
  };
}

/** Where a batch's times begin and end: its oldest and newest sample, or the server's time when it has none. */
interface Span {
  first: number;
  last: number;
}

export type Accepted = { duplicate: true } | ({ duplicate: false; hostId: number } & Span);

/** A batch whose id and host are recorded (acceptBatch), waiting for its rows (storeSamples). */
export interface AcceptedBatch extends Span {
  batch: ColumnBatch;
  hostId: number;
}

/**
 * Records the batch id and the host (created, or its last-seen and agent fields updated).
 * Throws HostConflict when the name belongs to another machine. Call inside a transaction.
 */
export function acceptBatch(
  sqlite: Database.Database,
  batch: ColumnBatch,
  now: number,
  opts: { allowDuplicateHostnames?: boolean; /** The request's Date header. */ date?: string } = {},
): Accepted {
  const s = statements(sqlite);
  if (s.batchSeen.get(batch.batch_id)) return { duplicate: true };
  const span = timeSpan(batch);
  // No samples (a v1 snapshot with nothing in it): a heartbeat at the server's time.
  const minTs = span?.min ?? now;
  const maxTs = span?.max ?? now;
  const a = batch.agent;
  const interval = a.interval === undefined ? null : Math.max(1, Math.round(a.interval));
  const existing = s.hostGet.get(a.host) as { id: number; machineId: string | null; lastTs: number } | undefined;
  const offset = clockOffset({
    date: opts.date,
    arrival: now,
    newest: span?.max,
    newestEver: span != null && span.max > (existing?.lastTs ?? 0),
    interval: a.interval,
  });
  let hostId: number;
  if (existing) {
    if (!opts.allowDuplicateHostnames && existing.machineId && a.machine_id && existing.machineId !== a.machine_id) {
      throw new HostConflict(
        `host name "${a.host}" already belongs to another machine (machine-id differs); start this agent with --host NAME to give it its own name`,
      );
    }
    hostId = existing.id;
    s.hostTouch.run(now, maxTs, a.version ?? null, interval, a.machine_id ?? null, offset ?? null, hostId);
  } else {
    hostId = s.hostAdd.get(
      a.host,
      a.machine_id ?? null,
      a.version ?? null,
      interval ?? 10,
      minTs,
      now,
      maxTs,
      offset ?? null,
    ) as number;
  }
  s.batchAdd.run(batch.batch_id, hostId, now, span?.ticks ?? 0);
  return { duplicate: false, hostId, first: minTs, last: maxTs };
}

const containerKey = (hostId: number, c: ContainerColumns) => JSON.stringify([hostId, c.name, c.id]);

interface ContainerEntry {
  hostId: number;
  c: ContainerColumns;
  first: number;
  last: number;
}

interface SeriesEntry {
  hostId: number;
  name: string;
  labels: string;
  unit: string | null;
  title: string | null;
  first: number;
  last: number;
}

/**
 * Stores the rows of accepted batches (in arrival order) in the caller's transaction. Each
 * container is upserted once for all of them, spanning its times and taking the identity of
 * its newest entry (recreated under the same name, it keeps its row and takes the new Docker
 * id); each series once, spanning the batches it came in. Returns the rows each inserted.
 */
export function storeSamples(sqlite: Database.Database, items: readonly AcceptedBatch[]): RowCounts[] {
  const s = statements(sqlite);
  const counts = items.map(() => ({ hostRows: 0, containerRows: 0, seriesRows: 0 }));

  // Identities first, once each; the series rows to write are noted on the way.
  const entries = new Map<string, ContainerEntry>();
  const seriesKeys = new Map<string, SeriesEntry>();
  const seriesJobs: { item: number; key: string; ts: readonly number[]; values: readonly (number | null)[] }[] = [];
  const noteSeries = (
    i: number,
    name: string,
    labels: Record<string, string>,
    ts: readonly number[],
    values: readonly (number | null)[],
  ) => {
    const { batch, hostId } = items[i];
    // Seen when it has a value (its own times, not the batch's: a catch-up batch spans an
    // hour or more, and a mount may come or go within it); all null: its times.
    let first = Infinity;
    let last = -Infinity;
    for (let k = 0; k < ts.length; k++) {
      if (values[k] === null) continue;
      if (ts[k] < first) first = ts[k];
      if (ts[k] > last) last = ts[k];
    }
    if (first === Infinity) {
      first = Math.min(...ts);
      last = Math.max(...ts);
    }
    const canonical = canonicalLabels(labels);
    const key = `${hostId}\u0000${name}\u0000${canonical}`;
    const m = batch.meta?.[name];
    const e = seriesKeys.get(key);
    if (!e)
      seriesKeys.set(key, {
        hostId,
        name,
        labels: canonical,
        unit: m?.unit ?? null,
        title: m?.label ?? null,
        first,
        last,
      });
    else {
      e.first = Math.min(e.first, first);
      e.last = Math.max(e.last, last);
      e.unit = m?.unit ?? e.unit;
      e.title = m?.label ?? e.title;
    }
    seriesJobs.push({ item: i, key, ts, values });
  };
  /** Metrics outside the catalogue, stored as series of the entity's labels (when they hold a value). */
  const noteExtras = (
    i: number,
    metrics: Record<string, (number | null)[]>,
    ts: readonly number[],
    known: Set<string>,
    labels: Record<string, string>,
  ) => {
    for (const n in metrics)
      if (!known.has(n) && metrics[n].some((v) => v !== null)) noteSeries(i, n, labels, ts, metrics[n]);
  };
  items.forEach(({ batch, hostId }, i) => {
    if (batch.host) noteExtras(i, batch.host.metrics, batch.host.ts, hostCols, {});
    for (const c of batch.containers) {
      const first = Math.min(...c.ts);
      const last = Math.max(...c.ts);
      // JSON: no name or id, whatever it holds (a NUL), can run into the next part.
      const key = containerKey(hostId, c);
      const e = entries.get(key);
      if (!e) entries.set(key, { hostId, c, first, last });
      else {
        e.first = Math.min(e.first, first);
        // The newest entry's identity (image, state, labels) wins, as a later upsert would.
        if (last >= e.last) {
          e.last = last;
          e.c = c;
        }
      }
      noteExtras(i, c.metrics, c.ts, containerCols, { container: c.name });
    }
    for (const x of batch.series)
      noteSeries(
        i,
        x.name,
        x.container === undefined ? x.labels : { ...x.labels, container: x.container },
        x.ts,
        x.values,
      );
  });
  // Oldest entry first, so the newest identity wins.
  const containerIds = new Map<string, number>();
  for (const [key, { hostId, c, first, last }] of [...entries].sort((x, y) => x[1].last - y[1].last)) {
    const cid = s.containerUpsert.get(
      hostId,
      c.name,
      c.id,
      c.image ?? null,
      c.state ?? null,
      c.compose_project ?? null,
      c.compose_service ?? null,
      c.labels ? JSON.stringify(c.labels) : null,
      first,
      last,
    ) as number;
    containerIds.set(key, cid);
  }
  const seriesIds = new Map<string, number>();
  for (const [key, e] of seriesKeys) {
    seriesIds.set(key, s.seriesUpsert.get(e.hostId, e.name, e.labels, e.unit, e.title, e.first, e.last) as number);
  }

  // Then the rows: an entity's ticks in one statement. Times under the 1 m rollup watermark
  // are late: their buckets are marked for the rollups to recompute.
  const late = {
    host: lateCheck(sqlite, 'host'),
    container: lateCheck(sqlite, 'container'),
    series: lateCheck(sqlite, 'series'),
  };
  for (const [idx, { batch, hostId }] of items.entries()) {
    const result = counts[idx];
    const h = batch.host;
    if (h) {
      // Each core metric's values and stored step, in the order of the table's columns.
      const cols = STORED.host.map((m) => [h.metrics[m.metric], m.step] as const);
      const flat: (number | null)[] = [];
      for (let i = 0; i < h.ts.length; i++) {
        const at = flat.length;
        flat.push(hostId, h.ts[i]);
        let any = false;
        for (let k = 0; k < cols.length; k++) {
          const [col, step] = cols[k];
          const v = col === undefined ? null : quantize(col[i], step);
          flat.push(v);
          if (v !== null) any = true;
        }
        // A tick with no host value at all is no row.
        if (!any) flat.length = at;
        else late.host.note(h.ts[i], hostId);
      }
      result.hostRows += s.hostRows(flat);
    }
    for (const c of batch.containers) {
      const cid = containerIds.get(containerKey(hostId, c))!;
      const cols = STORED.container.map((m) => [c.metrics[m.metric], m.step] as const);
      const flat: (number | null)[] = [];
      for (let i = 0; i < c.ts.length; i++) {
        flat.push(cid, c.ts[i]);
        for (let k = 0; k < cols.length; k++) {
          const [col, step] = cols[k];
          flat.push(col === undefined ? null : quantize(col[i], step));
        }
        late.container.note(c.ts[i], cid);
      }
      result.containerRows += s.containerRows(flat);
    }
  }
  // In the order they were noted (each batch's host extras, container extras, series), so the
  // first value for a (series, ts) wins as it would batch by batch.
  for (const { item, key, ts, values } of seriesJobs) {
    const id = seriesIds.get(key)!;
    const flat: (number | null)[] = [];
    for (let i = 0; i < ts.length; i++) {
      const v = values[i];
      if (v === null) continue;
      flat.push(id, ts[i], v);
      late.series.note(ts[i], id);
    }
    counts[item].seriesRows += s.seriesRows(flat);
  }
  late.host.mark();
  late.container.mark();
  late.series.mark();
  // Top processes: a table of their own (not counted in the answer's row counts).
  storeProcesses(
    sqlite,
    items.map(({ batch, hostId }) => ({ hostId, processes: batch.processes })),
  );
  return counts;
}

/** One batch, accepted and stored in one transaction. */
export function storeBatch(
  sqlite: Database.Database,
  input: Batch | ColumnBatch,
  now: number,
  opts: { allowDuplicateHostnames?: boolean } = {},
): StoreResult {
  const batch = input.v === COLUMNS_VERSION ? input : toColumnBatch(input);
  return sqlite.transaction((): StoreResult => {
    const a = acceptBatch(sqlite, batch, now, opts);
    if (a.duplicate) return DUPLICATE;
    const [eventRows] = storeEvents(sqlite, [{ batch, hostId: a.hostId, receivedAt: now }]);
    return {
      duplicate: false,
      ...storeSamples(sqlite, [{ batch, hostId: a.hostId, first: a.first, last: a.last }])[0],
      ...(batch.events?.length ? { eventRows } : {}),
    };
  })();
}
