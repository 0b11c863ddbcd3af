// Turns cumulative counters into per-second rates, keyed by whatever identifies the counter.
// Time is the monotonic clock (seconds) passed in by the caller, never the wall clock.
// The first read of a key yields nothing; a counter that goes down is a reset and yields
// nothing for that step (never a negative rate), unless the counter's bit width is known,
// in which case a step down is a wrap and is unwrapped.

interface Last {
  value: number;
  at: number;
  seen: number;
}

export class RateTracker {
  private last = new Map<string, Last>();
  private round = 0;

  /**
   * Rate of `value` per second since the previous call for `key`, or undefined for the first
   * read, a reset, or no time elapsed. `width` (e.g. 32) unwraps counters that wrap at 2^width.
   */
  rate(key: string, value: number, at: number, width?: number): number | undefined {
    const prev = this.last.get(key);
    this.last.set(key, { value, at, seen: this.round });
    if (!prev) return undefined;
    const dt = at - prev.at;
    if (!(dt > 0)) return undefined;
    let delta = value - prev.value;
    if (delta < 0) {
      if (width === undefined || prev.value >= 2 ** width) return undefined;
      delta += 2 ** width;
    }
    return delta / dt;
  }

  /** Difference since the previous read (same reset rules), for ratios such as CPU time. */
  delta(key: string, value: number, at: number): number | undefined {
    const prev = this.last.get(key);
    this.last.set(key, { value, at, seen: this.round });
    if (!prev) return undefined;
    const d = value - prev.value;
    return d < 0 ? undefined : d;
  }

  /** Forget keys not touched for `rounds` sweeps (containers that left), so memory stays flat. */
  sweep(rounds = 3): void {
    this.round++;
    for (const [k, v] of this.last) if (this.round - v.seen > rounds) this.last.delete(k);
  }

  get size(): number {
    return this.last.size;
  }
}
