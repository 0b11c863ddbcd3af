// Retention: deletes what is past each tier's horizon in small steps (one entity's range per
// statement, pausing in between so ingest never waits long: the writer thread stores the
// batches that arrived meanwhile), then hands freed pages back with an incremental vacuum.
// A pass visits only the entities whose samples span part of the time between the cutoff the
// last finished pass deleted below (what it left has nothing older) and this one's, not every
// entity ever seen: its cost grows with what reached the horizon since, not with a fleet's
// history of containers. (An entity's rows lie within its first_seen, less a rollup bucket,
// and its newest sample; data sent after a pass and older than its cutoff, for an entity
// silent since, is not revisited: kept too long, never lost.)
import type Database from 'better-sqlite3';
import { KINDS, ROLLUP_TIERS, tableOf, type Kind, type Retention, type TierName } from './tiers.ts';
import { ENTITY_TABLE, NEWEST_SAMPLE, RETENTION_DONE_KIND, RETENTION_KIND, rollupState } from './rollup.ts';
import { trimEvents } from '../ingest/store-events.ts';
import { statement } from '../db/statements.ts';

const TIERS: TierName[] = ['raw', ...ROLLUP_TIERS.map((t) => t.name)];

export interface RetentionReport {
  deleted: number;
  freedPages: number;
  /** Entity ranges looked at (an entity once per tier). */
  visited: number;
}

/** Each kind's entity column of its oldest sample time; hosts are few, and all visited. */
const FIRST_SAMPLE: Record<Kind, string> = { host: '0', container: 'first_seen', series: 'first_seen' };
/** A rollup row's time is its bucket's start: up to one step before the entity's first sample. */
const WIDEST_STEP = Math.max(...ROLLUP_TIERS.map((t) => t.step));

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function enforceRetention(
  sqlite: Database.Database,
  retention: Retention,
  now: number,
  opts: { vacuumPages?: number; pause?: () => Promise<void> } = {},
): Promise<RetentionReport> {
  const pause = opts.pause ?? yieldToEventLoop;
  const report: RetentionReport = { deleted: 0, freedPages: 0, visited: 0 };
  // Below these, every row of the tier is gone (an interrupted pass records nothing here).
  const done = new Map(TIERS.map((tier) => [tier, rollupState(sqlite, RETENTION_DONE_KIND, tier)]));
  const noteHorizon = statement(
    sqlite,
    `INSERT INTO rollup_state (kind, tier, watermark) VALUES (?, ?, ?)
     ON CONFLICT (kind, tier) DO UPDATE SET watermark = max(watermark, excluded.watermark)`,
  );
  for (const kind of Object.keys(KINDS) as Kind[]) {
    const activeSince = statement(
      sqlite,
      `SELECT id FROM ${ENTITY_TABLE[kind]} WHERE ${NEWEST_SAMPLE[kind]} >= ? AND ${FIRST_SAMPLE[kind]} < ?`,
      'pluck',
    );
    const everyOne = statement(sqlite, `SELECT id FROM ${ENTITY_TABLE[kind]}`, 'pluck');
    for (const tier of TIERS) {
      const cutoff = now - retention[tier];
      // Recorded before deleting, so a rollup never trusts a source range that is going away.
      noteHorizon.run(RETENTION_KIND, tier, cutoff);
      // An entity whose newest sample is older than the last finished cutoff has no row left;
      // one first seen after this cutoff has none to lose yet.
      // The first pass (of a file from before this rule, too) visits every entity.
      const last = done.get(tier);
      const ids = (last === undefined ? everyOne.all() : activeSince.all(last, cutoff + WIDEST_STEP)) as number[];
      report.visited += ids.length;
      const del = statement(sqlite, `DELETE FROM ${tableOf(kind, tier)} WHERE ${KINDS[kind].key} = ? AND ts < ?`);
      for (let i = 0; i < ids.length; i++) {
        report.deleted += del.run(ids[i], cutoff).changes;
        if (i % 50 === 49) await pause();
      }
      await pause();
    }
  }
  // Every entity's rows below each cutoff are gone now (kept as the larger of it and the last).
  for (const tier of TIERS) noteHorizon.run(RETENTION_DONE_KIND, tier, now - retention[tier]);
  // Top processes are kept as long as raw samples, host by host; then the names no row refers
  // to any more (every row naming one is at least as old as its last_seen).
  const rawCutoff = now - retention.raw;
  const hostIds = sqlite.prepare('SELECT id FROM hosts').pluck().all() as number[];
  const delProcesses = sqlite.prepare('DELETE FROM process_samples WHERE host_id = ? AND ts < ?');
  for (let i = 0; i < hostIds.length; i++) {
    report.deleted += delProcesses.run(hostIds[i], rawCutoff).changes;
    if (i % 50 === 49) await pause();
  }
  report.deleted += sqlite.prepare('DELETE FROM process_names WHERE last_seen < ?').run(rawCutoff).changes;
  // Batch ids are kept as long as raw data, so a replay of anything still stored is absorbed.
  report.deleted += statement(sqlite, 'DELETE FROM batches WHERE received_at < ?').run(now - retention.raw).changes;
  // Container events are kept as long as the coarsest tier.
  report.deleted += await trimEvents(sqlite, now - retention['1h']);
  // Dirty markers older than the 1m horizon can no longer be recomputed from raw rows.
  statement(sqlite, "DELETE FROM rollup_dirty WHERE tier = '1m' AND bucket < ?").run(now - retention.raw);
  const before = sqlite.pragma('freelist_count', { simple: true }) as number;
  sqlite.pragma(`incremental_vacuum(${Math.max(0, Math.floor(opts.vacuumPages ?? 2000))})`);
  const after = sqlite.pragma('freelist_count', { simple: true }) as number;
  report.freedPages = before - after;
  return report;
}
