// SQLite failures that say the store cannot write now, not that a batch is wrong: a full disk,
// an I/O error, a file made read-only, a lock held past busy_timeout. Ingest answers them 503
// (the agent keeps the batch in its spool and sends it again) instead of a 500, and says why.

/** Thrown by the writer when a batch could not be stored for one of these reasons. */
export class StoreUnavailable extends Error {
  constructor(
    /** SQLite's extended code, e.g. SQLITE_FULL, SQLITE_IOERR_WRITE. */
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'StoreUnavailable';
  }
}

/** What the operator should read for an SQLite error code, or undefined when it is not a "cannot write now". */
export function unavailableReason(code: unknown): string | undefined {
  if (typeof code !== 'string') return undefined;
  if (code === 'SQLITE_FULL') return 'its disk is full';
  if (code.startsWith('SQLITE_IOERR')) return 'the database file could not be written (I/O error)';
  if (code.startsWith('SQLITE_READONLY')) return 'the database file is read-only';
  if (code.startsWith('SQLITE_BUSY')) return 'the database stayed locked by another process';
  if (code === 'SQLITE_CANTOPEN') return 'the database file could not be opened';
  return undefined;
}

/** The 503 message an agent logs: why, the code, and that nothing was stored from this batch. */
export function unavailableMessage(code: string): string {
  return `the server cannot store batches now: ${unavailableReason(code) ?? 'storage failed'} (${code}); nothing of this batch was stored, send it again later`;
}
