import { CLOCK_OFF_SECONDS } from '../protocol/constants.ts';
// Human units and local times for the page: every number a person reads goes through here, so
// bytes are IEC (KiB, MiB), network rates are bit/s (SI), disk rates byte/s, and times are in
// the browser's time zone. Pure functions, tested in format.test.ts.

import type { Unit } from '../protocol/metrics.ts';

const IEC = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
const SI_BITS = ['bit/s', 'kbit/s', 'Mbit/s', 'Gbit/s', 'Tbit/s', 'Pbit/s'];
const SI = ['', 'k', 'M', 'G', 'T', 'P'];

/** Three significant digits at most, no trailing zeros: 1.5, 12.3, 123, 1020. */
function sig3(v: number): string {
  const a = Math.abs(v);
  const digits = a === 0 || a >= 100 ? 0 : a >= 10 ? 1 : 2;
  const s = v.toFixed(digits);
  return digits ? s.replace(/\.?0+$/, '') : s;
}

function scaled(v: number, base: number, names: readonly string[], sep = ' '): string {
  let i = 0;
  let x = Math.abs(v);
  // Round first so 1023.9 KiB reads "1 MiB", not "1024 KiB".
  while (i < names.length - 1 && Number(sig3(x)) >= base) {
    x /= base;
    i++;
  }
  return `${v < 0 ? '−' : ''}${sig3(x)}${sep}${names[i]}`.trimEnd();
}

export const formatBytes = (v: number): string => scaled(v, 1024, IEC);
/** "4.1 / 8 GiB": used and total in the total's unit, short enough for a card. */
export function formatBytesOf(used: number, total: number): string {
  let i = 0;
  let div = 1;
  while (i < IEC.length - 1 && Number(sig3(total / div)) >= 1024) {
    div *= 1024;
    i++;
  }
  return `${sig3(used / div)} / ${sig3(total / div)} ${IEC[i]}`;
}

export const formatBytesRate = (v: number): string => `${scaled(v, 1024, IEC)}/s`;
/** Takes bits per second (the page multiplies network bytes/s by 8 before drawing). */
export const formatBits = (v: number): string => scaled(v, 1000, SI_BITS);
export const formatPerSecond = (v: number): string => `${scaled(v, 1000, SI, '')}/s`;
export const formatCount = (v: number): string =>
  Math.abs(v) < 1000 ? sig3(Math.round(v * 10) / 10) : scaled(v, 1000, SI, '');
export const formatLoad = (v: number): string => v.toFixed(2);

export function formatPct(v: number): string {
  const a = Math.abs(v);
  // Small shares keep a second decimal so an idle container does not read "0.0 %".
  return `${a >= 100 ? v.toFixed(0) : a >= 0.1 || a === 0 ? v.toFixed(1) : v.toFixed(2)} %`;
}

/** "3 d 4 h", "2 h 5 min", "45 s": the two largest units. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const parts: [number, string][] = [
    [Math.floor(s / 86400), 'd'],
    [Math.floor((s % 86400) / 3600), 'h'],
    [Math.floor((s % 3600) / 60), 'min'],
    [s % 60, 's'],
  ];
  const first = parts.findIndex(([n]) => n > 0);
  if (first < 0) return '0 s';
  return parts
    .slice(first, first + 2)
    .filter(([n]) => n > 0)
    .map(([n, u]) => `${n} ${u}`)
    .join(' ');
}

/** "just now", "12 s ago", "3 min ago", "5 h ago", "2 d ago". */
/**
 * "clock 10 min ahead" / "clock 2 min behind" for a host whose agent's clock is off the
 * server's by more than CLOCK_OFF_SECONDS; undefined when it is not (or not known).
 */
export function formatClockOffset(offset: number | null | undefined): string | undefined {
  if (offset === null || offset === undefined || Math.abs(offset) <= CLOCK_OFF_SECONDS) return undefined;
  // An HTTP Date header carries whole seconds and the request's transit adds a few more, so
  // past a minute the offset is said to the nearest 10 s (599 s is "10 min", not "9 min 59 s").
  const abs = Math.abs(offset) >= 60 ? Math.round(Math.abs(offset) / 10) * 10 : Math.abs(offset);
  return `clock ${formatDuration(abs)} ${offset > 0 ? 'ahead' : 'behind'}`;
}

export function formatAgo(now: number, ts: number): string {
  const d = Math.max(0, now - ts);
  if (d < 2) return 'just now';
  if (d < 90) return `${Math.round(d)} s ago`;
  if (d < 90 * 60) return `${Math.round(d / 60)} min ago`;
  if (d < 36 * 3600) return `${Math.round(d / 3600)} h ago`;
  return `${Math.round(d / 86400)} d ago`;
}

export function formatValue(unit: Unit, v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  switch (unit) {
    case 'pct':
      return formatPct(v);
    case 'bytes':
      return formatBytes(v);
    case 'bytes_per_s':
      return formatBytesRate(v);
    case 'bits_per_s':
      return formatBits(v);
    case 'per_s':
      return formatPerSecond(v);
    case 'load':
      return formatLoad(v);
    case 'seconds':
      return formatDuration(v);
    case 'celsius':
      return `${v.toFixed(Math.abs(v) < 100 ? 1 : 0)} °C`;
    case 'rpm':
      return `${Math.round(v)} rpm`;
    default:
      return formatCount(v);
  }
}

/**
 * Axis labels: one unit for the whole axis (chosen by its largest tick), so the ticks read
 * 0, 256, 512, 768 MiB rather than a mix of units. The unit goes on every label because a
 * chart may be read without its title (a screenshot, a phone).
 */
export function formatTicks(unit: Unit, ticks: readonly number[]): string[] {
  const top = Math.max(0, ...ticks.map((t) => Math.abs(t)));
  const pick = (base: number, names: readonly string[], suffix = '', sep = ' '): string[] => {
    let i = 0;
    let div = 1;
    while (i < names.length - 1 && top / div >= base) {
      div *= base;
      i++;
    }
    const step = ticks.length > 1 ? Math.abs(ticks[1] - ticks[0]) / div : 1;
    const decimals = step >= 1 || step === 0 ? 0 : Math.min(3, Math.ceil(-Math.log10(step) - 1e-9));
    return ticks.map((t) =>
      t === 0 ? '0' : `${(Math.abs(t) / div).toFixed(decimals)}${sep}${names[i]}${suffix}`.trimEnd(),
    );
  };
  switch (unit) {
    case 'pct':
      return pick(Infinity, ['%']);
    case 'bytes':
      return pick(1024, IEC);
    case 'bytes_per_s':
      return pick(1024, IEC, '/s');
    case 'bits_per_s':
      return pick(1000, SI_BITS);
    case 'per_s':
      return pick(1000, SI, '/s', '');
    case 'seconds':
      return ticks.map((t) => formatDuration(Math.abs(t)));
    case 'celsius':
      return pick(Infinity, ['°C']);
    case 'rpm':
      return pick(Infinity, ['rpm']);
    default:
      return pick(1000, SI, '', '');
  }
}

const fmtCache = new Map<string, Intl.DateTimeFormat>();
function dtf(opts: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = JSON.stringify(opts);
  let f = fmtCache.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(undefined, opts);
    fmtCache.set(key, f);
  }
  return f;
}

/** A local time with as much date as the span needs: "14:05:30", "Tue 14:05", "3 Dec 14:05". */
export function formatTime(ts: number, span = 0): string {
  const d = new Date(ts * 1000);
  if (span <= 3600) return dtf({ hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).format(d);
  if (span <= 86400) return dtf({ weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(d);
  return dtf({ day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(d);
}

/** "3 Dec 14:05 – 4 Dec 09:00" in local time. */
export function formatRange(from: number, to: number): string {
  const f = dtf({ day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  return `${f.format(new Date(from * 1000))} – ${f.format(new Date(to * 1000))}`;
}

/** The browser's zone and offset, for the footer: "Europe/Berlin (UTC+01:00)". */
export function zoneLabel(at = new Date()): string {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'local time';
  const off = -at.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '−';
  const hh = String(Math.floor(Math.abs(off) / 60)).padStart(2, '0');
  const mm = String(Math.abs(off) % 60).padStart(2, '0');
  return `${zone} (UTC${sign}${hh}:${mm})`;
}

/** Value of an <input type="datetime-local"> for an epoch time, in local time. */
export function toLocalInput(ts: number): string {
  const d = new Date(ts * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** Epoch seconds from an <input type="datetime-local"> value (local time), or undefined. */
export function fromLocalInput(text: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(text);
  if (!m) return undefined;
  const d = new Date(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], m[6] ? +m[6] : 0);
  return Number.isNaN(d.getTime()) ? undefined : Math.floor(d.getTime() / 1000);
}

/**
 * A name from a host or container set apart from the text around it (Unicode's first-strong
 * isolate … pop directional isolate): a right-to-left override inside it ends with it, so
 * "NAME in" still reads "NAME in" and a title "NAME — Berth".
 */
export const isolate = (name: string): string => `\u2068${name}\u2069`;

/**
 * Disk use in %, as `df` counts it: used / (used + available), the space root keeps back left
 * out. Without `avail` (agents before it was sent) used / size.
 */
export function diskUsedPct(
  used: number | null | undefined,
  total: number | null | undefined,
  avail?: number | null,
): number | null {
  if (used === null || used === undefined) return null;
  if (avail !== null && avail !== undefined && used + avail > 0) return (100 * used) / (used + avail);
  return total ? (100 * used) / total : null;
}
