// Time as a dependency: whatever waits or measures a wait takes a Clock, so a test moves time
// on by hand (test/support/fake-clock.ts) instead of sleeping on real timers.

export interface Clock {
  /** Milliseconds on the monotonic clock: a wall clock stepped back (NTP) never stretches a wait. */
  now(): number;
  /** Calls `fn` once, `ms` from now, without keeping the process alive; returns what cancels it. */
  after(ms: number, fn: () => void): () => void;
}

/** Wall-clock time in whole epoch seconds, as the database stores it. */
export const epochNow = (): number => Math.floor(Date.now() / 1000);

export const systemClock: Clock = {
  now: () => performance.now(),
  after(ms, fn) {
    const timer = setTimeout(fn, ms);
    timer.unref();
    return () => clearTimeout(timer);
  },
};

/** Calls `fn` every `ms` on `clock` until the returned function is called. */
export function every(clock: Clock, ms: number, fn: () => void): () => void {
  let cancel = (): void => {};
  const arm = () => {
    cancel = clock.after(ms, () => {
      arm();
      fn();
    });
  };
  arm();
  return () => cancel();
}
