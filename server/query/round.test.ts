// roundSignificant against the definition it replaces, Number(v.toPrecision(d)), on values of
// every magnitude, decimal ties and powers of ten.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { roundSignificant } from './round.ts';

/** A small deterministic generator (mulberry32), so a failure is reproducible. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('roundSignificant gives what Number(v.toPrecision(d)) gives', () => {
  const r = rng(7);
  const values: number[] = [
    0,
    -0,
    1,
    -1,
    0.5,
    1.5,
    2.5,
    -2.5,
    0.1,
    0.125,
    999999.5,
    1e21,
    1e-7,
    5e-324,
    Number.MAX_VALUE,
    NaN,
    Infinity,
    -Infinity,
  ];
  for (let i = 0; i < 20_000; i++) {
    values.push((r() < 0.5 ? -1 : 1) * r() * 10 ** (Math.floor(r() * 44) - 22)); // any magnitude
    values.push(Math.round(r() * 1e6) / 10 ** Math.floor(r() * 8)); // short decimals: ties at every digit count
    values.push(Math.floor(r() * 1e9) + 0.5); // halves
    values.push(10 ** (Math.floor(r() * 40) - 20) * (r() < 0.5 ? 1 : 1 - 1e-16)); // at and just under powers of ten
  }
  let checked = 0;
  for (const v of values) {
    for (let d = 1; d <= 17; d++) {
      const want = Number(v.toPrecision(d));
      assert.ok(
        Object.is(roundSignificant(v, d), want),
        `${v} to ${d} digits: ${roundSignificant(v, d)}, toPrecision ${want}`,
      );
      checked++;
    }
  }
  assert.equal(checked, values.length * 17);
});
