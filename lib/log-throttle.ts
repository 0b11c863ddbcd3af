// Lines that may repeat many times a second (a refused agent retrying, a full disk failing
// every request) are written the first time, then at most once a minute per kind, saying how
// many like it came in between.

const EVERY_MS = 60_000;

export type Throttle = (kind: string) => { write: false } | { write: true; more: string };

export function throttle(everyMs = EVERY_MS, clock: () => number = () => performance.now()): Throttle {
  const seen = new Map<string, { at: number; since: number }>();
  return (kind) => {
    const now = clock();
    const s = seen.get(kind);
    if (s && now - s.at < everyMs) {
      s.since++;
      return { write: false };
    }
    const more = s && s.since > 0 ? ` (${s.since} more like it in the last ${Math.round((now - s.at) / 1000)} s)` : '';
    seen.set(kind, { at: now, since: 0 });
    // Bounded: kinds come from messages, and a flood of distinct ones must not grow memory.
    if (seen.size > 1000) seen.delete(seen.keys().next().value!);
    return { write: true, more };
  };
}
