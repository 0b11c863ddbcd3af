// The page's whole state as a URL and back: which view (fleet, host, container), the time
// range (a live preset or a fixed window), the zoom stack, legend toggles, the ranking metric
// and the refresh period. A link reproduces the view; reload restores it. Pure functions.

import { CONTAINER_CHARTS, type RankMetric } from '../protocol/metrics.ts';

export const PRESETS = { '15m': 900, '1h': 3600, '6h': 21600, '24h': 86400, '7d': 604800, '30d': 2592000 } as const;
export type Preset = keyof typeof PRESETS;
export const DEFAULT_PRESET: Preset = '1h';

/** What the host view can rank containers by (the catalogue's `rank` lines), in menu order. */
export const RANK_METRICS = CONTAINER_CHARTS.flatMap((c) =>
  c.lines.flatMap((l) => (l.rank ? [l.metric] : [])),
) as readonly RankMetric[];
export type { RankMetric };

export type Route =
  | { view: 'overview' }
  | { view: 'alerts' }
  | { view: 'host'; host: string }
  | { view: 'container'; host: string; container: string };

export type Range = { preset: Preset } | { from: number; to: number };

export interface ViewState {
  route: Route;
  range: Range;
  /** Drag-to-zoom windows, outermost first; double-click pops the last. */
  zoom: [number, number][];
  /** Containers turned off in the per-container charts (by name). */
  hidden: string[];
  /** Host chart series turned off, as "chart:label". */
  off: string[];
  rank: RankMetric;
  /** Seconds between live refreshes; null = the host's interval; 0 = never. */
  refresh: number | null;
}

export function defaultState(route: Route = { view: 'overview' }): ViewState {
  return { route, range: { preset: DEFAULT_PRESET }, zoom: [], hidden: [], off: [], rank: 'cpu_pct', refresh: null };
}

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

export function parseRoute(pathname: string): Route {
  const parts = pathname.split('/').filter(Boolean);
  if (parts[0] === 'alerts' && parts.length === 1) return { view: 'alerts' };
  if (parts[0] === 'host' && parts[1]) {
    const host = decode(parts[1]);
    if (host === undefined || host === '') return { view: 'overview' };
    if (parts[2] === 'container' && parts[3]) {
      const container = decode(parts.slice(3).join('/'));
      if (container) return { view: 'container', host, container };
    }
    return { view: 'host', host };
  }
  return { view: 'overview' };
}

export function routePath(route: Route): string {
  if (route.view === 'overview') return '/';
  if (route.view === 'alerts') return '/alerts';
  const host = `/host/${encodeURIComponent(route.host)}`;
  return route.view === 'host' ? host : `${host}/container/${encodeURIComponent(route.container)}`;
}

const int = (s: string | null): number | undefined => (s !== null && /^\d{1,12}$/.test(s) ? Number(s) : undefined);

function parseWindow(text: string): [number, number] | undefined {
  const m = /^(\d{1,12})-(\d{1,12})$/.exec(text);
  if (!m) return undefined;
  const a = Number(m[1]);
  const b = Number(m[2]);
  return a < b ? [a, b] : undefined;
}

export function parseState(pathname: string, search: string): ViewState {
  const q = new URLSearchParams(search);
  const state = defaultState(parseRoute(pathname));
  const from = int(q.get('from'));
  const to = int(q.get('to'));
  const preset = q.get('range');
  if (from !== undefined && to !== undefined && from < to) state.range = { from, to };
  else if (preset && Object.hasOwn(PRESETS, preset)) state.range = { preset: preset as Preset };
  state.zoom = q
    .getAll('zoom')
    .map(parseWindow)
    .filter((w): w is [number, number] => !!w);
  state.hidden = q.getAll('hide');
  state.off = q.getAll('off');
  const rank = q.get('rank');
  if (rank && (RANK_METRICS as readonly string[]).includes(rank)) state.rank = rank as RankMetric;
  const refresh = q.get('refresh');
  if (refresh === 'off') state.refresh = 0;
  else if (int(refresh) !== undefined && int(refresh)! >= 1) state.refresh = int(refresh)!;
  return state;
}

/** The state as a path and query; defaults are left out so links stay short. */
export function stateUrl(state: ViewState): string {
  const q = new URLSearchParams();
  if ('preset' in state.range) {
    if (state.range.preset !== DEFAULT_PRESET) q.set('range', state.range.preset);
  } else {
    q.set('from', String(state.range.from));
    q.set('to', String(state.range.to));
  }
  for (const [a, b] of state.zoom) q.append('zoom', `${a}-${b}`);
  for (const h of state.hidden) q.append('hide', h);
  for (const o of state.off) q.append('off', o);
  if (state.rank !== 'cpu_pct') q.set('rank', state.rank);
  if (state.refresh !== null) q.set('refresh', state.refresh === 0 ? 'off' : String(state.refresh));
  const s = q.toString();
  return routePath(state.route) + (s ? `?${s}` : '');
}

export interface Window {
  from: number;
  to: number;
  /** The window ends at "now" and moves with it. */
  live: boolean;
  zoomed: boolean;
}

/** The window the charts show at `now`: the innermost zoom, or the range. */
export function currentWindow(state: ViewState, now: number): Window {
  const base = baseWindow(state.range, now);
  const z = state.zoom[state.zoom.length - 1];
  if (z) return { from: z[0], to: z[1], live: false, zoomed: true };
  return { ...base, zoomed: false };
}

export function baseWindow(range: Range, now: number): Omit<Window, 'zoomed'> {
  if ('preset' in range) return { from: now - PRESETS[range.preset], to: now, live: true };
  return { from: range.from, to: range.to, live: false };
}

/** How the views lay out charts (style.css: main's padding, .chart-grid's columns and gap). */
const LAYOUT = { mainPadding: 40, column: 520, gap: 14 };
/** Around a chart's plot: the panel's padding and border, the y axis (AXIS_SIZE), uPlot's right padding. */
const PLOT_MARGIN = 30 + 74 + 18;

/**
 * Points to ask per chart for a page `width` px wide: about one per pixel of a chart's plot,
 * in the columns the chart grid makes of that width (two 580 px plots at 1440 px, not 1350).
 */
export function maxPointsFor(width: number): number {
  const inner = width - LAYOUT.mainPadding;
  const columns = Math.max(1, Math.floor((inner + LAYOUT.gap) / (LAYOUT.column + LAYOUT.gap)));
  const chart = (inner - LAYOUT.gap * (columns - 1)) / columns;
  return Math.max(100, Math.min(2000, Math.round(chart - PLOT_MARGIN)));
}

/** Whether the page should poll: a live range, zoomed or not (zoom survives refreshes). */
export function isLive(state: ViewState): boolean {
  return 'preset' in state.range && state.refresh !== 0;
}

/** Toggle membership of `item` in a list, returning a new list. */
export function toggled(list: readonly string[], item: string): string[] {
  return list.includes(item) ? list.filter((x) => x !== item) : [...list, item];
}
