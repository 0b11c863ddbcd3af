// A Clock (lib/clock.ts) that moves only when a test says so: `advance(ms)` runs every timer
// that falls due on the way, in order, each seeing `now()` at its own due time.
import type { Clock } from '../../lib/clock.ts';

export interface FakeClock extends Clock {
  /** Moves time on by `ms`, running the timers due meanwhile (also ones they arm). */
  advance(ms: number): void;
  /**
   * Moves time on by `ms` one due timer at a time, awaiting `settle()` after each, so that what
   * a timer starts (an HTTP send, a write) can arm the next one within the same stretch.
   */
  run(ms: number, settle: () => Promise<unknown>): Promise<void>;
  /** Due times of the armed timers, soonest first. */
  readonly armed: number[];
}

export function fakeClock(start = 1000): FakeClock {
  let now = start;
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const due = () => [...timers.entries()].sort(([a, x], [b, y]) => x.at - y.at || a - b);
  return {
    now: () => now,
    after(ms, fn) {
      const id = seq++;
      timers.set(id, { at: now + Math.max(0, ms), fn });
      return () => void timers.delete(id);
    },
    advance(ms) {
      const until = now + ms;
      for (;;) {
        const [next] = due();
        if (!next || next[1].at > until) break;
        timers.delete(next[0]);
        now = next[1].at;
        next[1].fn();
      }
      now = until;
    },
    async run(ms, settle) {
      const until = now + ms;
      await settle();
      for (let next = due()[0]; next && next[1].at <= until; next = due()[0]) {
        this.advance(next[1].at - now);
        await settle();
      }
      this.advance(until - now);
      await settle();
    },
    get armed() {
      return due().map(([, t]) => t.at);
    },
  };
}
