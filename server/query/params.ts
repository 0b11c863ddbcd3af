// Query-string parsing shared by the read routes: times (epoch seconds or ISO 8601), ranges,
// lists. Every failure is an HTTP 400 whose message names the parameter.
import { HTTPException } from 'hono/http-exception';

export function badRequest(message: string): never {
  throw new HTTPException(400, { message });
}

/** Epoch seconds (integer or decimal) or an ISO 8601 date-time; undefined when absent. */
export function parseTime(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (/^-?\d+(\.\d+)?$/.test(value)) return Math.floor(Number(value));
  if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value)) {
    const ms = Date.parse(value);
    if (Number.isFinite(ms)) return Math.floor(ms / 1000);
  }
  return badRequest(`${name}: "${value.slice(0, 64)}" is neither epoch seconds nor an ISO 8601 time`);
}

export function parseRange(q: (k: string) => string | undefined, now: number, defaultSpan = 3600): { from: number; to: number } {
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
  return (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

export function requireParam(name: string, value: string | undefined): string {
  if (value === undefined || value === '') badRequest(`${name}: required`);
  return value;
}
