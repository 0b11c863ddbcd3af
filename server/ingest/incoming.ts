// The incoming tables: where ingest writes sample rows, and the merge that moves them into the
// sample tables in bulk.
//
// Why: the sample tables are keyed (entity, ts), so each container's newest rows sit on a leaf
// page of their own, and a commit rewrites one page per entity it touched. A request of one
// host's snapshot (~40 rows) would cost ~60 WAL frames. The incoming tables are keyed
// (ts, entity): a request's rows land on a few adjacent pages. Merging them into the sample
// tables many requests at a time then rewrites each entity's page once per merge, as a bulk
// insert does. Both are in the same file and every acknowledged row is in one or the other;
// the views (host_metrics, …) read the union, and the server
// merges before every read of the API and before rollups, so no reader sees a difference.
import type Database from 'better-sqlite3';
import { HOST_METRIC_NAMES, CONTAINER_METRIC_NAMES } from '../../protocol/metrics.ts';

interface Statements {
  seen: Database.Statement[];
  moves: Database.Statement[];
  clears: Database.Statement[];
  pending: Database.Statement;
}

const KINDS = [
  { table: 'host_samples', key: 'host_id', columns: HOST_METRIC_NAMES },
  { table: 'container_samples', key: 'container_id', columns: CONTAINER_METRIC_NAMES },
  { table: 'series_samples', key: 'series_id', columns: ['value'] },
] as const;

const cache = new WeakMap<Database.Database, Statements>();

function statements(sqlite: Database.Database): Statements {
  let st = cache.get(sqlite);
  if (!st) {
    st = {
      // First and last seen of containers and series, from their rows: ingest writes those
      // tables only for a new entity or a changed identity, not on every request.
      seen: (['containers', 'series'] as const).map((table) => {
        const { table: samples, key } = KINDS[table === 'containers' ? 1 : 2];
        return sqlite.prepare(
          `UPDATE ${table} SET first_seen = min(first_seen, x.mn), last_seen = max(last_seen, x.mx)
           FROM (SELECT ${key} AS id, min(ts) AS mn, max(ts) AS mx FROM ${samples}_incoming GROUP BY ${key}) AS x
           WHERE ${table}.id = x.id`,
        );
      }),
      // Entity order, so each entity's rows go in one after another onto the same leaf page.
      moves: KINDS.map(({ table, key, columns }) => {
        const cols = [key, 'ts', ...columns].join(', ');
        return sqlite.prepare(`INSERT OR IGNORE INTO ${table} (${cols}) SELECT ${cols} FROM ${table}_incoming ORDER BY ${key}, ts`);
      }),
      clears: KINDS.map(({ table }) => sqlite.prepare(`DELETE FROM ${table}_incoming`)),
      pending: sqlite.prepare(`SELECT ${KINDS.map(({ table }) => `EXISTS (SELECT 1 FROM ${table}_incoming)`).join(' + ')}`).pluck(),
    };
    cache.set(sqlite, st);
  }
  return st;
}

/**
 * Inserts one row (entity id, ts, …values in catalogue order) into a kind's incoming table,
 * only if the sample table does not hold (entity, ts) yet, so `changes` counts new rows
 * exactly, as a direct insert's would; a duplicate within the incoming table is ignored by
 * its key. Returns the number of rows inserted (0 or 1).
 */
export function incomingInsert(sqlite: Database.Database, kind: 'host' | 'container' | 'series'): (values: (number | null)[]) => number {
  const { table, key, columns } = KINDS[kind === 'host' ? 0 : kind === 'container' ? 1 : 2];
  const params = Array.from({ length: columns.length + 2 }, () => '?').join(', ');
  const stmt = sqlite.prepare(
    `INSERT OR IGNORE INTO ${table}_incoming (${[key, 'ts', ...columns].join(', ')}) SELECT ${params}
     WHERE NOT EXISTS (SELECT 1 FROM ${table} WHERE ${key} = ? AND ts = ?)`,
  );
  return (values) => stmt.run(...values, values[0], values[1]).changes;
}

/**
 * Moves every incoming row into its sample table, in one transaction (or inside the caller's).
 * Returns the number of rows moved. Cheap when there is nothing to move.
 */
export function mergeIncoming(sqlite: Database.Database): number {
  const st = statements(sqlite);
  return sqlite.transaction(() => {
    let moved = 0;
    for (const u of st.seen) u.run();
    for (const m of st.moves) moved += m.run().changes;
    for (const c of st.clears) c.run();
    return moved;
  })();
}

/** Whether any incoming row waits to be merged (after a restart, say). */
export function hasIncoming(sqlite: Database.Database): boolean {
  return (statements(sqlite).pending.get() as number) > 0;
}
