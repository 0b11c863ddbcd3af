// A threshold rule on one series, one sample at a time, in the samples' own time (so data that
// arrives late is judged when it happened, not when it came). Pure.
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
  value: number;
  lastTs: number;
}

export type ThresholdStep =
  | { state: ThresholdState | undefined; transition: null }
  | { state: ThresholdState; transition: 'fire' }
  | { state: undefined; transition: 'resolve'; endedAt: number; last: ThresholdState };

export const HYSTERESIS = 0.05;

export function band(rule: ThresholdRule): number {
  return Math.abs(rule.threshold) * HYSTERESIS;
}

export function stepThreshold(
  s: ThresholdState | undefined,
  rule: ThresholdRule,
  ts: number,
  value: number,
): ThresholdStep {
  if (s && ts <= s.lastTs) return { state: s, transition: null };
  const past = rule.op === 'above' ? value > rule.threshold : value < rule.threshold;
  if (!s) {
    if (!past) return { state: undefined, transition: null };
    const fresh: ThresholdState = { phase: 'pending', since: ts, clearSince: null, value, lastTs: ts };
    if (rule.forS === 0) return { state: { ...fresh, phase: 'firing' }, transition: 'fire' };
    return { state: fresh, transition: null };
  }
  if (s.phase === 'pending') {
    if (!past) return { state: undefined, transition: null };
    const next: ThresholdState = { ...s, value, lastTs: ts };
    if (ts - s.since >= rule.forS) return { state: { ...next, phase: 'firing' }, transition: 'fire' };
    return { state: next, transition: null };
  }
  const b = band(rule);
  const back = rule.op === 'above' ? value < rule.threshold - b : value > rule.threshold + b;
  if (!back) return { state: { ...s, clearSince: null, value: past ? value : s.value, lastTs: ts }, transition: null };
  const clearSince = s.clearSince ?? ts;
  if (ts - clearSince >= rule.forS) return { state: undefined, transition: 'resolve', endedAt: clearSince, last: s };
  return { state: { ...s, clearSince, lastTs: ts }, transition: null };
}
