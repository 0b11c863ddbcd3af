// Where a run of the agent left the engine's event stream: the engine time (ns) up to which
// every container event went into a sample that is in the spool. Kept in a small file beside
// the spool, written after each flush, so a restarted agent asks the engine `since` there and
// what happened while it was down still comes (the server drops what it already has).
import fs from 'node:fs';
import type { Logger } from '../lib/log.ts';

/** A restarted agent asks for at most this much of the past (an engine keeps little anyway). */
export const MAX_REPLAY_SECONDS = 86_400;

export class EventCursorFile {
  private saved: bigint | undefined;
  private failed = '';

  constructor(
    readonly file: string,
    private readonly log: Logger,
  ) {}

  /** The cursor to start from: the saved one, no older than MAX_REPLAY_SECONDS before `nowMs`; undefined when none was saved. */
  load(nowMs: number): bigint | undefined {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8').trim();
    } catch {
      return undefined;
    }
    if (!/^\d{1,20}$/.test(text)) {
      this.log.warn(`events: ignoring ${this.file} (not an engine time); following from now`);
      return undefined;
    }
    const saved = BigInt(text);
    const oldest = BigInt(Math.floor(nowMs - MAX_REPLAY_SECONDS * 1000)) * 1_000_000n;
    this.saved = saved;
    return saved < oldest ? oldest : saved;
  }

  /** Writes the cursor when it moved (a temp file renamed into place); a failure is said once and retried next time. */
  save(cursor: bigint): void {
    if (cursor === this.saved) return;
    const tmp = `${this.file}.tmp`;
    try {
      fs.writeFileSync(tmp, `${cursor}\n`);
      fs.renameSync(tmp, this.file);
      this.saved = cursor;
      this.failed = '';
    } catch (e) {
      const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      if (why !== this.failed)
        this.log.warn(
          `events: cannot write ${this.file} (${why}); a restart may ask the engine for events already sent`,
        );
      this.failed = why;
    }
  }
}
