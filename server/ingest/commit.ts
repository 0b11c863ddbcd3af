// What accepting a batch writes, in one place for both writers (writer.ts): the batch's rows
// (storeBatch), the token's last use and the ingest counter, in one transaction. A group of
// batches shares one transaction, each in a savepoint of its own, so one refused batch (a
// host-name conflict) leaves the others in, and the group pays one commit.
import type Database from 'better-sqlite3';
import type { ColumnBatch } from '../../protocol/batch.ts';
import { bump } from '../counters.ts';
import { HostConflict, storeBatch, type StoreResult } from './store-batch.ts';

export interface CommitItem {
  batch: ColumnBatch;
  /** Server time (epoch s) when the request was accepted. */
  t: number;
  tokenId: number | null;
}

export type Outcome = { ok: true; result: StoreResult } | { ok: false; conflict: boolean; message: string };

export function createCommitter(sqlite: Database.Database, opts: { allowDuplicateHostnames: boolean }) {
  const touchToken = sqlite.prepare('UPDATE tokens SET last_used_at = ? WHERE id = ?');
  const one = sqlite.transaction((item: CommitItem): StoreResult => {
    const result = storeBatch(sqlite, item.batch, item.t, opts);
    if (item.tokenId !== null) touchToken.run(item.t, item.tokenId);
    bump(sqlite, result.duplicate ? 'ingest_duplicate_batches' : 'ingest_batches');
    return result;
  });
  const group = sqlite.transaction((items: CommitItem[]): Outcome[] =>
    items.map((item) => {
      try {
        return { ok: true, result: one(item) };
      } catch (e) {
        // Only this item's savepoint is rolled back; a failure of the COMMIT itself fails all.
        return { ok: false, conflict: e instanceof HostConflict, message: (e as Error).message };
      }
    }),
  );
  return {
    /** Stores the batches in one transaction; every outcome is known once it has committed. */
    commit(items: CommitItem[]): Outcome[] {
      // IMMEDIATE: take the write lock up front (waiting out busy_timeout if another
      // connection holds it), rather than read first and fail to upgrade after a rollup wrote.
      return group.immediate(items);
    },
  };
}
