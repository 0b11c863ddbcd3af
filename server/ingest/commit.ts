// What accepting batches writes, in one place for both writers (writer.ts): for each batch,
// in a savepoint of its own, its id and its host (acceptBatch), the token's last use and the
// ingest counter; then the rows of every accepted batch at once (storeSamples), so each
// container and series is upserted once for the group and each container's newest page is
// rewritten once per commit rather than once per batch; then their container events
// (storeEvents). One refused batch (a host-name conflict) leaves the others in, and the group
// pays one commit.
import type Database from 'better-sqlite3';
import type { ColumnBatch } from '../../protocol/batch.ts';
import { bump } from '../counters.ts';
import { statement } from '../db/statements.ts';
import {
  acceptBatch,
  DUPLICATE,
  HostConflict,
  storeSamples,
  type AcceptedBatch,
  type StoreResult,
} from './store-batch.ts';
import { storeEvents } from './store-events.ts';

export interface CommitItem {
  batch: ColumnBatch;
  /** Server time (epoch s) when the request was accepted. */
  t: number;
  tokenId: number | null;
  /** The request's Date header: the agent's clock when it sent (server/ingest/clock-offset.ts). */
  date?: string;
}

/** A failure's `code` is SQLite's when it had one (SQLITE_FULL…): the writer tells "cannot write now" by it. */
export type Outcome =
  { ok: true; result: StoreResult } | { ok: false; conflict: boolean; message: string; code?: string };

/** A failed batch's outcome from what was thrown. */
export function failure(e: unknown, prefix = ''): Outcome {
  const code = (e as { code?: unknown }).code;
  return {
    ok: false,
    conflict: e instanceof HostConflict,
    message: `${prefix}${(e as Error).message}`,
    ...(typeof code === 'string' ? { code } : {}),
  };
}

export function createCommitter(sqlite: Database.Database, opts: { allowDuplicateHostnames: boolean }) {
  const touchToken = statement(sqlite, 'UPDATE tokens SET last_used_at = ? WHERE id = ?');
  const accept = sqlite.transaction((item: CommitItem) => {
    const a = acceptBatch(sqlite, item.batch, item.t, { ...opts, date: item.date });
    if (item.tokenId !== null) touchToken.run(item.t, item.tokenId);
    bump(sqlite, a.duplicate ? 'ingest_duplicate_batches' : 'ingest_batches');
    return a;
  });
  const group = sqlite.transaction((items: CommitItem[]): Outcome[] => {
    const rows: AcceptedBatch[] = [];
    const at: number[] = [];
    const outcomes = items.map((item, i): Outcome => {
      try {
        // A nested transaction is a savepoint: only this item's is rolled back.
        const a = accept(item);
        if (a.duplicate) return { ok: true, result: DUPLICATE };
        at.push(i);
        rows.push({ batch: item.batch, hostId: a.hostId, first: a.first, last: a.last });
        return { ok: true, result: { ...DUPLICATE, duplicate: false } };
      } catch (e) {
        return failure(e);
      }
    });
    const events = storeEvents(
      sqlite,
      rows.map((r, k) => ({ ...r, receivedAt: items[at[k]].t })),
    );
    storeSamples(sqlite, rows).forEach((counts, k) => {
      // Said only for a batch that carried events: others are answered as before events.
      const ev = rows[k].batch.events?.length ? { eventRows: events[k] } : {};
      outcomes[at[k]] = { ok: true, result: { duplicate: false, ...counts, ...ev } };
    });
    return outcomes;
  });
  return {
    /** Stores the batches in one transaction; every outcome is known once it has committed. */
    commit(items: CommitItem[]): Outcome[] {
      // IMMEDIATE: take the write lock up front (waiting out busy_timeout if another
      // connection holds it), rather than read first and fail to upgrade after a rollup wrote.
      return group.immediate(items);
    },
  };
}
