// Query-string parsing shared by the read routes: times (epoch seconds or ISO 8601), ranges,
// lists. Every failure is an HTTP 400 whose message names the parameter.
import { HTTPException } from 'hono/http-exception';

/** What parseChartParams reads. */
export type ChartParam = 'from' | 'to' | 'maxPoints' | 'minmax';

/** Series one /catalog answer lists at most (about 2 MB of JSON); past it, the first ones and `truncated`. */
export const MAX_CATALOG_SERIES = 10_000;

/** Values one chart answer may hold (entities × columns × points): about 30 MB of JSON. */
export const MAX_ANSWER_VALUES = 2_000_000;

export function badRequest(message: string): never {
  throw new HTTPException(400, { message });
}

/** 9999-12-31T23:59:59Z: beyond it (or before 1970) a time is a typo, and past 2^53 not even exact. */
export const MAX_EPOCH = 253_402_300_799;

/** Epoch seconds (integer or decimal) or an ISO 8601 date-time; undefined when absent. */
export function parseTime(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  let t: number | undefined;
  if (/^-?\d+(\.\d+)?$/.test(value)) t = Math.floor(Number(value));
  else if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value)) {
    const ms = Date.parse(value);
    if (Number.isFinite(ms)) t = Math.floor(ms / 1000);
  }
  if (t === undefined)
    return badRequest(`${name}: "${value.slice(0, 64)}" is neither epoch seconds nor an ISO 8601 time`);
  if (t < 0 || t > MAX_EPOCH)
    return badRequest(`${name}: "${value.slice(0, 64)}" is outside 1970..9999 (epoch seconds 0 to ${MAX_EPOCH})`);
  return t;
}

export function parseRange(
  q: (k: string) => string | undefined,
  now: number,
  defaultSpan = 3600,
): { from: number; to: number } {
  const to = parseTime('to', q('to')) ?? now;
  const from = parseTime('from', q('from')) ?? to - defaultSpan;
  if (from > to) badRequest(`from (${from}) is after to (${to})`);
  if (to - from > 20 * 365 * 86400) badRequest('from..to spans more than 20 years');
  return { from, to };
}

export function parseIntParam(name: string, value: string | undefined, def: number, min: number, max: number): number {
  if (value === undefined || value === '') return def;
  if (!/^\d+$/.test(value)) badRequest(`${name}: "${value.slice(0, 32)}" is not a whole number`);
  const n = Number(value);
  if (n < min || n > max) badRequest(`${name}: must be between ${min} and ${max}`);
  return n;
}

export function parseList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export function requireParam(name: string, value: string | undefined): string {
  if (value === undefined || value === '') badRequest(`${name}: required`);
  return value;
}

/** What every chart query reads: its range, its point budget, whether to add min/max columns. */
export function parseChartParams(
  q: (k: string) => string | undefined,
  now: number,
  defaultMaxPoints: number,
): { from: number; to: number; maxPoints: number; minmax: boolean } {
  const { from, to } = parseRange(q, now);
  const maxPoints = parseIntParam('maxPoints', q('maxPoints'), defaultMaxPoints, 2, 20_000);
  return { from, to, maxPoints, minmax: ['1', 'true'].includes(q('minmax') ?? '') };
}

/** `metrics=a,b` of one kind: each once, every one known (else a 400 naming it), at least one. */
export function parseMetrics(
  value: string | undefined,
  known: readonly string[],
  kind: 'host' | 'container',
): string[] {
  const metrics = [...new Set(parseList(value))];
  if (metrics.length === 0) badRequest(`metrics: required (comma-separated; known: ${known.join(', ')})`);
  const unknown = metrics.find((m) => !known.includes(m));
  if (unknown !== undefined)
    badRequest(`metrics: unknown ${kind} metric "${unknown.slice(0, 64)}" (known: ${known.join(', ')})`);
  return metrics;
}
