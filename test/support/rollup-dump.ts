// Every rollup row of a database keyed by what it is about (host name, container name, series
// name and labels) rather than by row ids, which differ between two databases that took the
// same batches, for comparing the rollups of a crashed run with a clean one.
import type Database from 'better-sqlite3';
import { KINDS, ROLLUP_TIERS, tableOf, type Kind } from '../../server/rollup/tiers.ts';
import { rollupValueColumns } from '../../server/db/sample-layout.ts';

const ENTITY: Record<Kind, string> = {
  host: '(SELECT name FROM hosts WHERE id = r.host_id)',
  container:
    "(SELECT h.name || '/' || c.name FROM containers c JOIN hosts h ON h.id = c.host_id WHERE c.id = r.container_id)",
  series:
    "(SELECT h.name || '/' || s.name || s.labels FROM series s JOIN hosts h ON h.id = s.host_id WHERE s.id = r.series_id)",
};

export interface RollupDump {
  rows: number;
  /** table → "entity@ts" → the row's values in column order. */
  tables: Map<string, Map<string, (number | null)[]>>;
}

export function rollupDump(sqlite: Database.Database): RollupDump {
  const tables = new Map<string, Map<string, (number | null)[]>>();
  let rows = 0;
  for (const kind of Object.keys(KINDS) as Kind[]) {
    for (const tier of ROLLUP_TIERS) {
      const table = tableOf(kind, tier.name);
      const cols = rollupValueColumns(kind);
      const out = new Map<string, (number | null)[]>();
      for (const r of sqlite
        .prepare(`SELECT ${ENTITY[kind]} AS entity, ts, ${cols.join(', ')} FROM ${table} r`)
        .raw()
        .all() as unknown[][])
        out.set(`${r[0]}@${r[1]}`, r.slice(2) as (number | null)[]);
      rows += out.size;
      tables.set(table, out);
    }
  }
  return { rows, tables };
}

/** Where two dumps differ (at most 20 lines), empty when they hold the same rows and values (to 1e-9, relative). */
export function sameRollups(got: RollupDump, want: RollupDump): string[] {
  const diffs: string[] = [];
  const close = (a: number | null, b: number | null) =>
    a === b || (a !== null && b !== null && Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b)));
  for (const [table, rows] of want.tables) {
    const have = got.tables.get(table)!;
    for (const [key, values] of rows) {
      const g = have.get(key);
      if (!g) diffs.push(`${table} ${key}: missing`);
      else if (!values.every((v, i) => close(g[i], v)))
        diffs.push(`${table} ${key}: ${JSON.stringify(g)} instead of ${JSON.stringify(values)}`);
    }
    for (const key of have.keys()) if (!rows.has(key)) diffs.push(`${table} ${key}: not in the clean run`);
    if (diffs.length >= 20) break;
  }
  return diffs.slice(0, 20);
}
