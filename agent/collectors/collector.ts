// The collector contract and the one place that runs collectors: timing, errors, the off/on
// state of a collector whose source is missing, and a tick's deadline, logged by name, once
// per change.
import type { RateTracker } from '../rates.ts';
import type { SnapshotBuilder } from '../snapshot.ts';
import { plural, type Logger } from '../../lib/log.ts';
import { SourceMissing } from '../source-missing.ts';
import { systemClock, type Clock } from '../../lib/clock.ts';

/**
 * What every collector gets each tick: the tick's monotonic time, the shared rate tracker, a
 * logger. (Its roots for procfs and sysfs it gets once, when made: collectors/index.ts.)
 */
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

/** How long a collector whose source is missing stays off before it tries again. */
export const RETRY_MISSING_SECONDS = 60;
/**
 * A source that was there and went away (a Docker engine restarting) is tried again sooner:
 * after this many seconds, then twice as long each time, up to RETRY_MISSING_SECONDS.
 */
export const RETRY_GONE_FIRST_SECONDS = 5;
/** A collector late again is said at most this often (s). */
export const LATE_SAID_EVERY_SECONDS = 600;

interface State {
  offUntil: number;
  offReason?: string;
  lastError?: string;
  /** Set while a run outlives its tick's deadline; that collector sits out ticks until it ends. */
  late?: Promise<void>;
  /** When lateness was last said (mono s), and how often it came since without a line. */
  lateSaidAt?: number;
  lateUnsaid?: number;
  /** When a slow run was last said (mono s). */
  slowSaidAt?: number;
  /** While a run of it is under way (a tick's, or one that outlived its tick). */
  running?: boolean;
  /** Whether the source ever answered; and the wait before the next try while it is gone. */
  seen?: boolean;
  goneRetry?: number;
}

/** Runs collectors, each isolated from the others' failures. */
export class CollectorRunner {
  private state = new Map<string, State>();

  constructor(
    private readonly collectors: readonly Collector[],
    private readonly log: Logger,
    private readonly retrySeconds = RETRY_MISSING_SECONDS,
    /** Times the deadline and how long a run took. */
    private readonly clock: Clock = systemClock,
  ) {}

  get names(): string[] {
    return this.collectors.map((c) => c.name);
  }

  /**
   * Runs every collector into `out` and waits for them, or for `deadlineMs` at most: then `out`
   * is sealed, so a collector still waiting (an engine that does not answer) writes nothing
   * stamped with this tick's time, and sits out the following ticks until its run ends, rather
   * than hold back the others' samples or pile up runs behind it.
   */
  async runAll(out: SnapshotBuilder, ctx: CollectContext, deadlineMs = Infinity): Promise<void> {
    const runs = this.collectors
      .map((c) => ({ c, st: this.stateOf(c) }))
      .filter(({ st }) => !st.running && !st.late && ctx.mono >= st.offUntil)
      .map(({ c, st }) => {
        let done = false;
        const started = this.clock.now();
        const run = this.runOne(c, out, ctx, st).finally(() => (done = true));
        return { c, st, run, started, done: () => done };
      });
    const all = Promise.all(runs.map((r) => r.run));
    if (Number.isFinite(deadlineMs)) {
      let cancel = (): void => {};
      await Promise.race([all, new Promise<void>((resolve) => (cancel = this.clock.after(deadlineMs, resolve)))]);
      cancel();
    } else {
      await all;
    }
    out.seal();
    for (const r of runs) {
      if (r.done()) continue;
      // An engine that is slow for hours is late every few ticks: said the first time, then
      // at most every LATE_SAID_EVERY_SECONDS with how often it happened meanwhile.
      const st = r.st;
      const say = st.lateSaidAt === undefined || ctx.mono - st.lateSaidAt >= LATE_SAID_EVERY_SECONDS;
      if (say) {
        const since = st.lateUnsaid
          ? ` (late ${plural(st.lateUnsaid, 'more time', 'more times')} since the last line)`
          : '';
        this.log.warn(
          `collector ${r.c.name}: no answer within ${(deadlineMs / 1000).toFixed(1)} s; left out of samples until it answers${since}`,
        );
        st.lateSaidAt = ctx.mono;
        st.lateUnsaid = 0;
      } else st.lateUnsaid = (st.lateUnsaid ?? 0) + 1;
      st.late = r.run.then(() => {
        st.late = undefined;
        if (say)
          this.log.info(
            `collector ${r.c.name}: answered after ${((this.clock.now() - r.started) / 1000).toFixed(1)} s; in samples again`,
          );
      });
    }
  }

  /** Whether every collector is in a run now, so a tick would have none to run. */
  get allBusy(): boolean {
    return this.collectors.every((c) => this.stateOf(c).running);
  }

  private stateOf(c: Collector): State {
    let st = this.state.get(c.name);
    if (!st) this.state.set(c.name, (st = { offUntil: 0 }));
    return st;
  }

  private async runOne(c: Collector, out: SnapshotBuilder, ctx: CollectContext, st: State): Promise<void> {
    const started = this.clock.now();
    st.running = true;
    try {
      await c.collect(out, ctx);
      if (st.offReason !== undefined) this.log.info(`collector ${c.name}: source is back, collecting again`);
      if (st.lastError !== undefined) this.log.info(`collector ${c.name}: recovered`);
      st.offReason = undefined;
      st.lastError = undefined;
      st.seen = true;
      st.goneRetry = undefined;
      const ms = this.clock.now() - started;
      if (ms > 5000 && (st.slowSaidAt === undefined || ctx.mono - st.slowSaidAt >= LATE_SAID_EVERY_SECONDS)) {
        this.log.warn(`collector ${c.name}: took ${ms.toFixed(0)} ms`);
        st.slowSaidAt = ctx.mono;
      }
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      if (err instanceof SourceMissing) {
        if (st.seen) {
          st.goneRetry = Math.min(this.retrySeconds, st.goneRetry ? st.goneRetry * 2 : RETRY_GONE_FIRST_SECONDS);
          st.offUntil = ctx.mono + st.goneRetry;
          if (st.offReason === undefined)
            this.log.warn(
              `collector ${c.name} off: ${msg} (it was there: trying again in ${st.goneRetry} s, then less often, up to every ${this.retrySeconds} s)`,
            );
        } else {
          st.offUntil = ctx.mono + this.retrySeconds;
          if (st.offReason !== msg)
            this.log.warn(`collector ${c.name} off: ${msg} (retrying every ${this.retrySeconds} s)`);
        }
        st.offReason = msg;
      } else if (st.lastError !== msg) {
        // One line per distinct error, so a persistent fault does not flood the log.
        this.log.error(`collector ${c.name} failed: ${msg}`);
        st.lastError = msg;
      }
    } finally {
      st.running = false;
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.collectors.map(async (c) => c.close?.()));
    // Runs that outlived their tick end with their sources closed (their errors are logged).
    await Promise.all([...this.state.values()].map((st) => st.late));
  }
}
