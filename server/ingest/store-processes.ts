// Writes the top-process rows of accepted batches: each (name, command, user, container) of a
// host once in process_names (its last_seen moved on), each row in process_samples with CPU
// in hundredths of a percent and rates in whole bytes. INSERT OR IGNORE on (host, ts, pid): a
// replayed batch adds nothing.
import type Database from 'better-sqlite3';
import type { ProcessRow } from '../../protocol/batch.ts';

export interface ProcessBatch {
  hostId: number;
  processes?: readonly ProcessRow[];
}

function statements(sqlite: Database.Database) {
  return {
    name: sqlite
      .prepare(
        `INSERT INTO process_names (host_id, name, command, user, container, last_seen) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (host_id, command, name, user, container) DO UPDATE SET last_seen = max(last_seen, excluded.last_seen)
         RETURNING id`,
      )
      .pluck(),
    row: sqlite.prepare(
      `INSERT OR IGNORE INTO process_samples (host_id, ts, pid, name_id, cpu_centipct, mem_bytes, read_bps, write_bps)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
  };
}

const cache = new WeakMap<Database.Database, ReturnType<typeof statements>>();

const whole = (v: number | undefined) => (v === undefined ? null : Math.round(v));

/** Stores the process rows of `items` in the caller's transaction; returns the rows inserted. */
export function storeProcesses(sqlite: Database.Database, items: readonly ProcessBatch[]): number {
  if (!items.some((i) => i.processes?.length)) return 0;
  let s = cache.get(sqlite);
  if (!s) cache.set(sqlite, (s = statements(sqlite)));
  // Each identity upserted once for the group, with the newest time it was seen.
  const names = new Map<string, { hostId: number; p: ProcessRow; last: number; id?: number }>();
  const keyOf = (hostId: number, p: ProcessRow) =>
    JSON.stringify([hostId, p.command, p.name, p.user ?? '', p.container ?? '']);
  for (const { hostId, processes } of items) {
    for (const p of processes ?? []) {
      const k = keyOf(hostId, p);
      const e = names.get(k);
      if (!e) names.set(k, { hostId, p, last: p.ts });
      else if (p.ts > e.last) e.last = p.ts;
    }
  }
  for (const e of names.values()) {
    e.id = s.name.get(e.hostId, e.p.name, e.p.command, e.p.user ?? '', e.p.container ?? '', e.last) as number;
  }
  let inserted = 0;
  for (const { hostId, processes } of items) {
    for (const p of processes ?? []) {
      inserted += s.row.run(
        hostId,
        p.ts,
        p.pid,
        names.get(keyOf(hostId, p))!.id!,
        p.cpu_pct === undefined ? null : Math.round(p.cpu_pct * 100),
        Math.round(p.mem_bytes),
        whole(p.read_bps),
        whole(p.write_bps),
      ).changes;
    }
  }
  return inserted;
}
