// Retention: deletes what is past each tier's horizon in small steps (one entity's range per
// statement, yielding to the event loop in between so ingest never waits long), then hands
// freed pages back with an incremental vacuum.
import type Database from 'better-sqlite3';
import { KINDS, ROLLUP_TIERS, tableOf, type Kind, type Retention, type TierName } from './tiers.ts';
import { RETENTION_KIND } from './rollup.ts';
import { trimEvents } from '../ingest/store-events.ts';
import { statement } from '../db/statements.ts';

const ENTITY_TABLE: Record<Kind, string> = { host: 'hosts', container: 'containers', series: 'series' };
const TIERS: TierName[] = ['raw', ...ROLLUP_TIERS.map((t) => t.name)];

export interface RetentionReport {
  deleted: number;
  freedPages: number;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function enforceRetention(
  sqlite: Database.Database,
  retention: Retention,
  now: number,
  opts: { vacuumPages?: number } = {},
): Promise<RetentionReport> {
  const report: RetentionReport = { deleted: 0, freedPages: 0 };
  const noteHorizon = statement(
    sqlite,
    `INSERT INTO rollup_state (kind, tier, watermark) VALUES (?, ?, ?)
     ON CONFLICT (kind, tier) DO UPDATE SET watermark = max(watermark, excluded.watermark)`,
  );
  for (const kind of Object.keys(KINDS) as Kind[]) {
    const ids = statement(sqlite, `SELECT id FROM ${ENTITY_TABLE[kind]}`, 'pluck').all() as number[];
    for (const tier of TIERS) {
      const cutoff = now - retention[tier];
      // Recorded before deleting, so a rollup never trusts a source range that is going away.
      noteHorizon.run(RETENTION_KIND, tier, cutoff);
      const del = statement(sqlite, `DELETE FROM ${tableOf(kind, tier)} WHERE ${KINDS[kind].key} = ? AND ts < ?`);
      for (let i = 0; i < ids.length; i++) {
        report.deleted += del.run(ids[i], cutoff).changes;
        if (i % 50 === 49) await yieldToEventLoop();
      }
      await yieldToEventLoop();
    }
  }
  // Top processes are kept as long as raw samples, host by host; then the names no row refers
  // to any more (every row naming one is at least as old as its last_seen).
  const rawCutoff = now - retention.raw;
  const hostIds = sqlite.prepare('SELECT id FROM hosts').pluck().all() as number[];
  const delProcesses = sqlite.prepare('DELETE FROM process_samples WHERE host_id = ? AND ts < ?');
  for (let i = 0; i < hostIds.length; i++) {
    report.deleted += delProcesses.run(hostIds[i], rawCutoff).changes;
    if (i % 50 === 49) await yieldToEventLoop();
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
