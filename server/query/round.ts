// Rounding to N significant digits, the same value as Number(v.toPrecision(N)), several times
// faster: a chart answer rounds ~100k values. Pure.

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i); // exact doubles up to 1e22

/** |v| scaled by 10^k (k may be negative), correctly rounded or within an ulp of it. */
const scale = (a: number, k: number) => (k >= 0 ? a * POW10[k] : a / POW10[-k]);

/** The same value as Number(v.toPrecision(digits)), for digits 1 to 17. */
export function roundSignificant(v: number, digits: number): number {
  const a = Math.abs(v);
  // Past 15 digits the scaled value has no fraction left to decide from.
  if (a === 0 || !Number.isFinite(a) || digits > 15) return Number(v.toPrecision(digits));
  let k = digits - 1 - Math.floor(Math.log10(a));
  if (k > 22 || k < -22) return Number(v.toPrecision(digits));
  let x = scale(a, k);
  // The kept digits are x's integer part: exactly `digits` of them (log10 can land a hair off a power of ten).
  if (x < POW10[digits - 1]) x = scale(a, ++k);
  else if (x >= POW10[digits]) x = scale(a, --k);
  // Past the table (a scale of 10^±23 is NaN here) or still not `digits` long: the slow way.
  if (!(x >= POW10[digits - 1] && x < POW10[digits])) return Number(v.toPrecision(digits));
  const n = Math.floor(x);
  const f = x - n;
  // Within a few ulps of a half, the scaling's rounding may have moved x across it: toPrecision
  // decides from the exact decimal value.
  if (Math.abs(f - 0.5) <= x * 4e-16) return Number(v.toPrecision(digits));
  const r = f > 0.5 ? n + 1 : n;
  // r / 10^k and r × 10^-k are correctly rounded: the double nearest the decimal, as parsing it gives.
  const out = k >= 0 ? r / POW10[k] : r * POW10[-k];
  return v < 0 ? -out : out;
}
