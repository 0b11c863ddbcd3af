import { test } from 'node:test';
import assert from 'node:assert/strict';
import { begin, past, stepThreshold, type ThresholdState, type ThresholdRule } from './threshold.ts';

/** Feeds samples 10 s apart from t0; returns the transitions with their times. */
function run(rule: ThresholdRule, values: number[], t0 = 1_700_000_000) {
  let s: ThresholdState | undefined;
  const out: string[] = [];
  values.forEach((v, i) => {
    const ts = t0 + i * 10;
    if (!s) {
      if (!past(rule, v)) return;
      s = begin(rule, ts, v);
      if (s.phase === 'firing') out.push(`fire@${ts - t0} since ${s.since - t0}`);
      return;
    }
    const step = stepThreshold(s, rule, ts, v);
    if (step === 'fire') out.push(`fire@${ts - t0} since ${s.since - t0}`);
    if (step === 'resolve') out.push(`resolve@${ts - t0} ended ${s.clearSince! - t0}`);
    if (step === 'drop' || step === 'resolve') s = undefined;
  });
  return out;
}

const cpu: ThresholdRule = { op: 'above', threshold: 80, forS: 120 };

test('fires only after the condition held for `for:`', () => {
  // 11 samples past 80 cover 100 s: not yet; the 13th (120 s after the first) fires.
  assert.deepEqual(run(cpu, [50, ...Array(12).fill(90)]), []);
  assert.deepEqual(run(cpu, [50, ...Array(13).fill(90)]), ['fire@130 since 10']);
  // One sample back under the threshold restarts the wait.
  assert.deepEqual(run(cpu, [...Array(10).fill(90), 70, ...Array(12).fill(90)]), []);
});

test('a value flapping around the threshold does not storm', () => {
  const flap = Array.from({ length: 200 }, (_, i) => (i % 2 ? 79 : 81));
  assert.deepEqual(run(cpu, flap), []);
  // Firing, then flapping within the band (77..83) for half an hour: still one firing, no resolve.
  const firing = [...Array(13).fill(95), ...Array.from({ length: 180 }, (_, i) => (i % 2 ? 77 : 83))];
  assert.deepEqual(run(cpu, firing), ['fire@120 since 0']);
});

test('resolves once back past the band for `for:`', () => {
  const values = [...Array(13).fill(95), ...Array(13).fill(70)];
  assert.deepEqual(run(cpu, values), ['fire@120 since 0', 'resolve@250 ended 130']);
  // Under 80 but inside the band (76..80) never resolves.
  assert.deepEqual(run(cpu, [...Array(13).fill(95), ...Array(40).fill(78)]), ['fire@120 since 0']);
});

test('below:, for: 0, and samples out of order', () => {
  const free: ThresholdRule = { op: 'below', threshold: 10, forS: 0 };
  assert.deepEqual(run(free, [20, 5, 6, 10, 11]), ['fire@10 since 10', 'resolve@40 ended 40']);
  const s = begin(free, 100, 5);
  assert.equal(s.phase, 'firing');
  assert.equal(stepThreshold(s, free, 90, 50), 'none');
  assert.equal(s.phase, 'firing');
});
