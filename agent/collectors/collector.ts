// The collector contract and the one place that runs collectors: timing, errors and the
// off/on state of a collector whose source is missing, logged by name, once per change.
import type { RateTracker } from '../rates.ts';
import type { SnapshotBuilder } from '../snapshot.ts';
import type { Logger } from '../log.ts';

/** What every collector gets: roots for procfs and sysfs, the shared rate tracker, a logger. */
export interface CollectContext {
  /** Monotonic seconds at the start of this tick (for rates). */
  readonly mono: number;
  readonly rates: RateTracker;
  readonly log: Logger;
}

export interface Collector {
  readonly name: string;
  collect(out: SnapshotBuilder, ctx: CollectContext): Promise<void>;
  /** Release sockets, kill child processes. */
  close?(): Promise<void> | void;
}

/** Thrown when a collector's source is absent (no socket, no such /proc file): not a bug. */
export class SourceMissing extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SourceMissing';
  }
}

/** How long a collector whose source is missing stays off before it tries again. */
export const RETRY_MISSING_SECONDS = 60;

interface State {
  offUntil: number;
  offReason?: string;
  lastError?: string;
}

/** Runs collectors, each isolated from the others' failures. */
export class CollectorRunner {
  private state = new Map<string, State>();

  constructor(
    private readonly collectors: readonly Collector[],
    private readonly log: Logger,
    private readonly retrySeconds = RETRY_MISSING_SECONDS,
  ) {}

  get names(): string[] {
    return this.collectors.map((c) => c.name);
  }

  async runAll(out: SnapshotBuilder, ctx: CollectContext): Promise<void> {
    await Promise.all(this.collectors.map((c) => this.runOne(c, out, ctx)));
  }

  private async runOne(c: Collector, out: SnapshotBuilder, ctx: CollectContext): Promise<void> {
    const st = this.state.get(c.name) ?? { offUntil: 0 };
    this.state.set(c.name, st);
    if (ctx.mono < st.offUntil) return;
    const started = performance.now();
    try {
      await c.collect(out, ctx);
      if (st.offReason !== undefined) this.log.info(`collector ${c.name}: source is back, collecting again`);
      if (st.lastError !== undefined) this.log.info(`collector ${c.name}: recovered`);
      st.offReason = undefined;
      st.lastError = undefined;
      const ms = performance.now() - started;
      if (ms > 5000) this.log.warn(`collector ${c.name}: took ${ms.toFixed(0)} ms`);
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      if (err instanceof SourceMissing) {
        st.offUntil = ctx.mono + this.retrySeconds;
        if (st.offReason !== msg) {
          this.log.warn(`collector ${c.name} off: ${msg} (retrying every ${this.retrySeconds} s)`);
        }
        st.offReason = msg;
      } else if (st.lastError !== msg) {
        // One line per distinct error, so a persistent fault does not flood the log.
        this.log.error(`collector ${c.name} failed: ${msg}`);
        st.lastError = msg;
      }
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.collectors.map(async (c) => c.close?.()));
  }
}
