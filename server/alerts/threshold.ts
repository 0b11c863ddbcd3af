// A threshold rule on one series, one sample at a time, in the samples' own time (so data that
// arrives late is judged when it happened, not when it came). No I/O; the state is changed in
// place, because a fleet's worth of series is stepped every tick and a new object per sample is
// what the garbage collector spent its time on.
//
// Hysteresis: a rule fires once the value has been past the threshold for `for:` (every sample
// in between past it); it resolves once the value has been back past a band of 5 % of the
// threshold (below 76 for `above: 80`) for the same `for:`. A value that wanders around the
// threshold therefore neither fires (a sample on the good side restarts the wait) nor, once
// firing, resolves and fires again every few samples: the band and the wait both have to be
// crossed. 5 % because the rules' metrics are percentages and rates whose noise between two
// ticks is a few per cent; the same `for:` both ways so a rule behaves the same going up and down.

export interface ThresholdRule {
  op: 'above' | 'below';
  threshold: number;
  forS: number;
}

export interface ThresholdState {
  phase: 'pending' | 'firing';
  /** When the value first went past the threshold (epoch s). */
  since: number;
  /** Firing: when it first came back past the band, or null. */
  clearSince: number | null;
  value: number | null;
  lastTs: number;
}

/**
 * What one sample changed: `drop` (a pending wait ended on the good side), `fire`, `resolve`
 * (`clearSince` then holds when it ended), `band` (a firing one entered or left its band:
 * worth writing down), or nothing worth telling.
 */
export type Step = 'none' | 'drop' | 'fire' | 'band' | 'resolve';

export const HYSTERESIS = 0.05;

export function band(rule: ThresholdRule): number {
  return Math.abs(rule.threshold) * HYSTERESIS;
}

export function past(rule: ThresholdRule, value: number): boolean {
  return rule.op === 'above' ? value > rule.threshold : value < rule.threshold;
}

/** The state of a series' first sample past the threshold: firing at once when `for:` is 0. */
export function begin(rule: ThresholdRule, ts: number, value: number): ThresholdState {
  return { phase: rule.forS === 0 ? 'firing' : 'pending', since: ts, clearSince: null, value, lastTs: ts };
}

/** Moves `s` on by one sample (older than its newest: ignored). */
export function stepThreshold(s: ThresholdState, rule: ThresholdRule, ts: number, value: number): Step {
  if (ts <= s.lastTs) return 'none';
  const over = past(rule, value);
  if (s.phase === 'pending') {
    if (!over) return 'drop';
    s.value = value;
    s.lastTs = ts;
    if (ts - s.since < rule.forS) return 'none';
    s.phase = 'firing';
    return 'fire';
  }
  const b = band(rule);
  const back = rule.op === 'above' ? value < rule.threshold - b : value > rule.threshold + b;
  s.lastTs = ts;
  if (!back) {
    if (over) s.value = value;
    if (s.clearSince === null) return 'none';
    s.clearSince = null;
    return 'band';
  }
  if (s.clearSince === null) s.clearSince = ts;
  if (ts - s.clearSince >= rule.forS) return 'resolve';
  return ts === s.clearSince ? 'band' : 'none';
}
