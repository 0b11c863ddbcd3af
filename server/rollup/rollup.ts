// Incremental, idempotent rollups: raw → 1m → 5m → 1h, per kind (host, container, series).
// Each tier advances a watermark over complete buckets of the tier below; buckets under the
// watermark that late data touched (an agent replaying its spool) are listed in rollup_dirty
// by ingest, with the entity they touched, and recomputed here for that entity alone; the
// recompute marks the next tier's bucket for it in turn.
// What a bucket keeps is db/sample-layout.ts's: for hosts and containers the sum of each
// metric's samples (so every tier's mean is the mean over the raw samples), their count, min
// and max; for labelled series avg, min, max and n, a higher tier's avg the n-weighted mean.
// Retention records in rollup_state (kind 'retention') the time below which it deleted each
// tier; a late bucket older than that in its source tier cannot be recomputed from a complete
// source, so it only fills a hole there and never overwrites a row computed while it was.
import type Database from 'better-sqlite3';
import { statement } from '../db/statements.ts';
import { rollupSelect, rollupValueColumns } from '../db/sample-layout.ts';
import { KINDS, ROLLUP_TIERS, tableOf, type Kind, type RollupTier, type TierName } from './tiers.ts';

/** Raw data for a minute may still be in flight this long after it ends (agent flush + retries). */
export const RAW_SETTLE_SECONDS = 120;

/** Per tier, how much of the source one transaction rolls up (keeps each write lock short). */
const CHUNK: Record<RollupTier['name'], number> = { '1m': 3600, '5m': 6 * 3600, '1h': 2 * 86400 };

export const ENTITY_TABLE: Record<Kind, string> = { host: 'hosts', container: 'containers', series: 'series' };

/**
 * Per kind, the entity table's column holding its newest sample time (epoch s): an entity with
 * a row at or after t has it at least t. Rollups and retention visit only the entities with
 * data in the range they work on, not every entity ever seen (a fleet's containers come and go).
 */
export const NEWEST_SAMPLE: Record<Kind, string> = { host: 'last_ts', container: 'last_seen', series: 'last_seen' };

/** rollup_state rows of this kind hold, per tier, the cutoff retention last deleted below. */
export const RETENTION_KIND = 'retention';
/** rollup_state rows of this kind hold, per tier, the cutoff the last finished retention pass deleted below. */
export const RETENTION_DONE_KIND = 'retention_done';

export interface RollupReport {
  buckets: number;
  dirty: number;
}

/** Rolls up everything complete as of `now` (epoch seconds). Safe to call any number of times. */
export function runRollups(sqlite: Database.Database, now: number): RollupReport {
  const report: RollupReport = { buckets: 0, dirty: 0 };
  for (const kind of Object.keys(KINDS) as Kind[]) rollKind(sqlite, kind, now, report);
  return report;
}

/**
 * A rollup_state value: a tier's watermark for a kind (every bucket below it is complete), or,
 * under RETENTION_KIND, the time below which retention deleted a tier. Undefined when not set.
 */
export function rollupState(
  sqlite: Database.Database,
  kind: Kind | typeof RETENTION_KIND | typeof RETENTION_DONE_KIND,
  tier: TierName,
): number | undefined {
  return statement(sqlite, 'SELECT watermark FROM rollup_state WHERE kind = ? AND tier = ?', 'pluck').get(
    kind,
    tier,
  ) as number | undefined;
}

function rollKind(sqlite: Database.Database, kind: Kind, now: number, report: RollupReport): void {
  const def = KINDS[kind];
  // Compiled once per connection (db/statements.ts): rollups run every few seconds.
  const setWm = statement(
    sqlite,
    'INSERT INTO rollup_state (kind, tier, watermark) VALUES (?, ?, ?) ON CONFLICT (kind, tier) DO UPDATE SET watermark = excluded.watermark',
  );
  const listDirty = statement(
    sqlite,
    'SELECT bucket, entity FROM rollup_dirty WHERE kind = ? AND tier = ? ORDER BY bucket, entity LIMIT 2000',
  );
  const clearDirty = statement(
    sqlite,
    'DELETE FROM rollup_dirty WHERE kind = ? AND tier = ? AND bucket = ? AND entity = ?',
  );
  const markDirty = statement(
    sqlite,
    'INSERT OR IGNORE INTO rollup_dirty (kind, tier, bucket, entity) VALUES (?, ?, ?, ?)',
  );

  for (let i = 0; i < ROLLUP_TIERS.length; i++) {
    const tier = ROLLUP_TIERS[i];
    const next = ROLLUP_TIERS[i + 1];
    const src = tableOf(kind, tier.source);
    const dst = tableOf(kind, tier.name);
    // The key list comes from the entity table so each key is a primary-key range scan, and
    // only entities with a sample at or after the range's start can have rows in it (so the
    // start is bound twice).
    const select = `SELECT ${def.key}, (ts / ${tier.step}) * ${tier.step} AS bucket, ${rollupSelect(kind, tier.source === 'raw')}
       FROM ${src} WHERE ${def.key} IN (SELECT id FROM ${ENTITY_TABLE[kind]} WHERE ${NEWEST_SAMPLE[kind]} >= ?)
         AND ts >= ? AND ts < ?
       GROUP BY ${def.key}, bucket`;
    const compute = statement(
      sqlite,
      `INSERT OR REPLACE INTO ${dst} (${def.key}, ts, ${rollupValueColumns(kind).join(', ')}) ${select}`,
    );
    const fillHoles = statement(
      sqlite,
      `INSERT OR IGNORE INTO ${dst} (${def.key}, ts, ${rollupValueColumns(kind).join(', ')}) ${select}`,
    );
    // One entity's bucket: what a late mark names.
    const selectOne = `SELECT ${def.key}, (ts / ${tier.step}) * ${tier.step} AS bucket, ${rollupSelect(kind, tier.source === 'raw')}
       FROM ${src} WHERE ${def.key} = ? AND ts >= ? AND ts < ? GROUP BY ${def.key}, bucket`;
    const computeOne = statement(
      sqlite,
      `INSERT OR REPLACE INTO ${dst} (${def.key}, ts, ${rollupValueColumns(kind).join(', ')}) ${selectOne}`,
    );
    const fillHolesOne = statement(
      sqlite,
      `INSERT OR IGNORE INTO ${dst} (${def.key}, ts, ${rollupValueColumns(kind).join(', ')}) ${selectOne}`,
    );
    const sourceDeletedBelow = rollupState(sqlite, RETENTION_KIND, tier.source) ?? -Infinity;

    const limit =
      tier.source === 'raw'
        ? Math.floor((now - RAW_SETTLE_SECONDS) / tier.step) * tier.step
        : Math.floor((rollupState(sqlite, kind, tier.source) ?? 0) / tier.step) * tier.step;

    let wm = rollupState(sqlite, kind, tier.name);
    if (wm === undefined) {
      const oldest = statement(
        sqlite,
        `SELECT min((SELECT min(ts) FROM ${src} WHERE ${def.key} = e.id)) FROM ${ENTITY_TABLE[kind]} e`,
        'pluck',
      ).get() as number | null;
      if (oldest === null) continue; // nothing stored yet: start when data exists
      wm = Math.floor(oldest / tier.step) * tier.step;
      setWm.run(kind, tier.name, wm);
    }

    // Late data first, so the watermark pass below never races it.
    for (;;) {
      const dirty = listDirty.all(kind, tier.name) as { bucket: number; entity: number }[];
      if (dirty.length === 0) break;
      sqlite.transaction(() => {
        for (const { bucket: b, entity } of dirty) {
          const old = b < sourceDeletedBelow;
          // Entity 0: every entity of the kind (marks from before entities were named).
          if (entity === 0) (old ? fillHoles : compute).run(b, b, b + tier.step);
          else (old ? fillHolesOne : computeOne).run(entity, b, b + tier.step);
          clearDirty.run(kind, tier.name, b, entity);
          if (next) markDirty.run(kind, next.name, Math.floor(b / next.step) * next.step, entity);
        }
      })();
      report.dirty += dirty.length;
    }

    while (wm < limit) {
      const end = Math.min(limit, wm + CHUNK[tier.name]);
      const start = wm;
      sqlite.transaction(() => {
        compute.run(start, start, end);
        setWm.run(kind, tier.name, end);
      })();
      report.buckets += (end - start) / tier.step;
      wm = end;
    }
  }
}

/**
 * Used by ingest inside its transaction: notes the times of rows stored and their entity, and
 * marks the 1m buckets of those below the 1m watermark (late data) for that entity, so the
 * next run recomputes them (and, through them, the 5m and 1h buckets) for it alone.
 */
export function lateCheck(
  sqlite: Database.Database,
  kind: Kind,
): { note(ts: number, entity: number): void; mark(): void } {
  const wm = rollupState(sqlite, kind, '1m');
  const marks = new Map<number, Set<number>>();
  return {
    note(ts, entity) {
      if (wm === undefined || ts >= wm) return;
      const b = Math.floor(ts / 60) * 60;
      let set = marks.get(b);
      if (!set) marks.set(b, (set = new Set()));
      set.add(entity);
    },
    mark() {
      if (marks.size === 0) return;
      const mark = statement(
        sqlite,
        "INSERT OR IGNORE INTO rollup_dirty (kind, tier, bucket, entity) VALUES (?, '1m', ?, ?)",
      );
      for (const [b, entities] of marks) for (const e of entities) mark.run(kind, b, e);
    },
  };
}
