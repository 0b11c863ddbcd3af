// Stores the container events of accepted batches (protocol/events.ts) in `events`, in the
// caller's transaction. A row's natural key is (host, ts, ns, container id, type): what the
// engine says once, so a resent batch, a catch-up batch holding batches already stored, or
// an agent asking the engine again after a restart adds nothing (INSERT OR IGNORE).
// On the way each `die` and `start` gets its cause from the container's events before it:
//  - die: `oom` when the kernel's OOM killer struck since its last start; `kill` when a signal
//    was sent through the engine shortly before (docker stop/kill/rm -f, a Compose recreate,
//    an engine shutdown: asked for); else `exit` (a crash, or a job that finished);
//  - start: `restart` when the same container had died before (a restart policy, docker
//    restart), which is what a container's restart count counts.
// Events of one agent arrive in the order it saw them, so what came before is already stored.
import type Database from 'better-sqlite3';
import type { ColumnBatch, ContainerEvent } from '../../protocol/batch.ts';
import { KILL_CAUSE_WINDOW_S, type EventCause } from '../../protocol/events.ts';
import { statement } from '../db/statements.ts';

/** A container's events looked at, newest first, to find why it died (since its last start: a handful). */
const LOOK_BACK = 64;

const INSERT = `INSERT OR IGNORE INTO events
  (host_id, ts, ns, type, container, container_id, image, exit_code, signal, health, cause,
   compose_project, compose_service, attrs, received_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
// At the same time too: what an engine stamps alike (a clock of coarse resolution) and sent
// first is before. (The event itself, when a replay stores it again, is a die and stops nothing.)
const BEFORE = `SELECT type, ts FROM events
  WHERE host_id = ? AND container_id = ? AND (ts < ? OR (ts = ? AND ns <= ?))
  ORDER BY ts DESC, ns DESC, id DESC LIMIT ${LOOK_BACK}`;
const DIED_BEFORE = `SELECT 1 FROM events
  WHERE host_id = ? AND container_id = ? AND type = 'die' AND (ts < ? OR (ts = ? AND ns < ?)) LIMIT 1`;

/** Why `e` (a die or a start) happened, from what the store holds of its container before it. */
export function causeOf(sqlite: Database.Database, hostId: number, e: ContainerEvent): EventCause | null {
  const at = [hostId, e.id, e.ts, e.ts, e.ns];
  if (e.type === 'start') return statement(sqlite, DIED_BEFORE).get(...at) ? 'restart' : null;
  if (e.type !== 'die') return null;
  let killed = false;
  for (const row of statement(sqlite, BEFORE).all(...at) as { type: string; ts: number }[]) {
    if (row.type === 'start' || row.type === 'create') break;
    if (row.type === 'oom') return 'oom';
    if (row.type === 'kill' && e.ts - row.ts <= KILL_CAUSE_WINDOW_S) killed = true;
  }
  return killed ? 'kill' : 'exit';
}

/** Oldest first by the engine's time; events at the same time keep the order they came in. */
function inOrder(events: readonly ContainerEvent[]): ContainerEvent[] {
  return events
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.ts - b.e.ts || a.e.ns - b.e.ns || a.i - b.i)
    .map((x) => x.e);
}

/**
 * Stores each batch's events (items in arrival order, each with the server time it was
 * accepted at); returns how many each added (a replay adds none).
 */
export function storeEvents(
  sqlite: Database.Database,
  items: readonly { batch: Pick<ColumnBatch, 'events'>; hostId: number; receivedAt: number }[],
): number[] {
  const insert = statement(sqlite, INSERT);
  return items.map(({ batch, hostId, receivedAt }) => {
    if (!batch.events?.length) return 0;
    let added = 0;
    for (const e of inOrder(batch.events)) {
      added += insert.run(
        hostId,
        e.ts,
        e.ns,
        e.type,
        e.name,
        e.id,
        e.image ?? null,
        e.exit_code ?? null,
        e.signal ?? null,
        e.health ?? null,
        causeOf(sqlite, hostId, e),
        e.compose_project ?? null,
        e.compose_service ?? null,
        e.attrs && Object.keys(e.attrs).length ? JSON.stringify(e.attrs) : null,
        receivedAt,
      ).changes;
    }
    return added;
  });
}

/** Rows one retention statement deletes at most: the writer yields between them. */
const TRIM_STEP = 5000;

/**
 * Deletes events older than `cutoff` (epoch s), a step at a time with the event loop let in
 * between: retention keeps them as long as the 1 h tier. Returns how many went.
 */
export async function trimEvents(sqlite: Database.Database, cutoff: number): Promise<number> {
  const del = statement(
    sqlite,
    `DELETE FROM events WHERE id IN (SELECT id FROM events WHERE ts < ? ORDER BY ts LIMIT ${TRIM_STEP})`,
  );
  let deleted = 0;
  for (;;) {
    const n = del.run(cutoff).changes;
    deleted += n;
    if (n < TRIM_STEP) return deleted;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
