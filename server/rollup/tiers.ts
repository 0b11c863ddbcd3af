// The storage tiers (raw and its rollups), their tables and steps, the choice of tier for a
// query, and the retention setting. Pure: no database access here.
import { HOST_METRIC_NAMES, CONTAINER_METRIC_NAMES } from '../../protocol/metrics.ts';

export type TierName = 'raw' | '1m' | '5m' | '1h';
export type Kind = 'host' | 'container' | 'series';

export interface RollupTier {
  readonly name: Exclude<TierName, 'raw'>;
  readonly step: number;
  readonly source: TierName;
}

/** Each rollup is computed from the tier below it; avg is weighted by sample count. */
export const ROLLUP_TIERS: readonly RollupTier[] = [
  { name: '1m', step: 60, source: 'raw' },
  { name: '5m', step: 300, source: '1m' },
  { name: '1h', step: 3600, source: '5m' },
];

export interface KindDef {
  readonly table: string;
  readonly key: string;
  readonly columns: readonly string[];
}

export const KINDS: Record<Kind, KindDef> = {
  host: { table: 'host_samples', key: 'host_id', columns: HOST_METRIC_NAMES },
  container: { table: 'container_samples', key: 'container_id', columns: CONTAINER_METRIC_NAMES },
  series: { table: 'series_samples', key: 'series_id', columns: ['value'] },
};

export function tableOf(kind: Kind, tier: TierName): string {
  return tier === 'raw' ? KINDS[kind].table : `${KINDS[kind].table}_${tier}`;
}

export function stepOf(tier: TierName, rawStep: number): number {
  return tier === 'raw' ? rawStep : ROLLUP_TIERS.find((t) => t.name === tier)!.step;
}

export const DEFAULT_MAX_POINTS = 1000;

/**
 * The finest tier whose point count over [from, to] fits maxPoints and, when `keptSince` is
 * given (the oldest time retention keeps in a tier), that still holds `from`: an hour zoomed
 * into two weeks ago reads the 1 m tier, since raw rows that old are gone. When even the
 * coarsest does not fit, its step is widened to a multiple of itself that does.
 */
export function chooseTier(
  from: number,
  to: number,
  rawStep: number,
  maxPoints = DEFAULT_MAX_POINTS,
  keptSince?: (tier: TierName) => number,
): { tier: TierName; step: number } {
  const span = Math.max(0, to - from);
  const tiers: { tier: TierName; step: number }[] = [
    { tier: 'raw', step: rawStep },
    ...ROLLUP_TIERS.filter((t) => t.step > rawStep).map((t) => ({ tier: t.name, step: t.step })),
  ];
  for (const t of tiers) if (span / t.step <= maxPoints && (!keptSince || from >= keptSince(t.tier))) return t;
  const last = tiers[tiers.length - 1];
  return { tier: last.tier, step: last.step * Math.ceil(span / last.step / maxPoints) };
}

export type Retention = Record<TierName, number>;

export const DEFAULT_RETENTION: Retention = { raw: 7 * 86400, '1m': 30 * 86400, '5m': 180 * 86400, '1h': 730 * 86400 };

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 365 * 86400 };

/** Parses a duration like `90d`, `12h`, `2y`; throws with the offending text. */
export function parseDuration(text: string): number {
  const m = /^(\d+)([smhdwy])$/.exec(text.trim());
  if (!m) throw new Error(`"${text}" is not a duration (use a number and one of s m h d w y, e.g. 7d)`);
  const seconds = Number(m[1]) * UNIT_SECONDS[m[2]];
  if (seconds <= 0) throw new Error(`"${text}" must be longer than zero`);
  return seconds;
}

/** Parses `raw=7d,1m=30d,…`; tiers not named keep their defaults. */
export function parseRetention(text: string, base: Retention = DEFAULT_RETENTION): Retention {
  const out: Retention = { ...base };
  const names = Object.keys(out) as TierName[];
  const given = new Set<string>();
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^([^=]+)=([^=]+)$/.exec(part);
    const tier = m?.[1].trim();
    if (!m || !(names as string[]).includes(tier!)) {
      throw new Error(`"${part}" is not TIER=DURATION with TIER one of ${names.join(', ')}`);
    }
    if (given.has(tier!)) throw new Error(`${tier} is given twice ("${text}")`);
    given.add(tier!);
    out[tier as TierName] = parseDuration(m[2].trim());
  }
  // Each tier is rebuilt from the one below it (late data recomputes its buckets from there),
  // so a coarser tier kept for less time than a finer one would leave buckets it cannot redo:
  // one left at its default is raised to match, one given so is refused.
  for (let i = 1; i < names.length; i++) {
    if (out[names[i]] < out[names[i - 1]] && !given.has(names[i])) out[names[i]] = out[names[i - 1]];
    if (out[names[i]] < out[names[i - 1]]) {
      throw new Error(
        `${names[i]}=${formatDuration(out[names[i]])} is shorter than ${names[i - 1]}=${formatDuration(out[names[i - 1]])}: each tier must be kept at least as long as the one below it`,
      );
    }
  }
  return out;
}

/** A duration in the largest unit that divides it: 604800 → "7d". */
function formatDuration(seconds: number): string {
  for (const [unit, n] of [
    ['y', 365 * 86400],
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
  ] as const)
    if (seconds % n === 0 && seconds >= n) return `${seconds / n}${unit}`;
  return `${seconds}s`;
}
