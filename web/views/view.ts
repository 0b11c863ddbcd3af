// What every view (fleet, host, container) gets from the page and promises back, plus the
// small helpers they share for failed queries and colours.
import { ApiError, isAbort } from '../api.ts';
import type { RankMetric, Route, ViewState } from '../state.ts';
import type { ChartEvents } from '../charts.ts';

export interface ViewCtx {
  /** The current state (read it fresh on every refresh: it changes under the view). */
  readonly state: ViewState;
  /** Epoch seconds on the server's clock (the browser's may be off). */
  now(): number;
  /** Points to ask per chart: about one per horizontal pixel. */
  maxPoints(): number;
  setServerNow(now: number): void;
  /** Link to another view keeping the range. */
  href(route: Route): string;
  zoom(from: number, to: number): void;
  unzoom(): void;
  setHidden(hidden: string[]): void;
  setOff(off: string[]): void;
  setRank(rank: RankMetric): void;
  dark(): boolean;
}

export interface View {
  readonly el: HTMLElement;
  /**
   * Fetches and draws for ctx.state; throws an unreachable ApiError when the server is away.
   * Calls `inView` once the charts at the top of the view have their data (the rest may follow).
   */
  refresh(signal: AbortSignal, inView?: () => void): Promise<void>;
  /** Legend toggles changed in the state (no fetch needed). */
  applyToggles(): void;
  /** Show a dragged window at once from the data at hand. */
  preview(from: number, to: number): void;
  resize(): void;
  /** Seconds between live refreshes that would show something new. */
  period(): number;
  destroy(): void;
}

/** After the next frame is painted (a task queued from a frame callback runs after the paint). */
export function afterPaint(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}

export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

export function settle<T>(p: Promise<T>): Promise<Settled<T>> {
  return p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

/** Rethrows what should stop the whole refresh: an abort, or the server being away. */
export function rethrowFatal(results: Settled<unknown>[]): void {
  for (const r of results) if (!r.ok && isAbort(r.error)) throw r.error;
  for (const r of results) if (!r.ok && r.error instanceof ApiError && r.error.unreachable) throw r.error;
}

/** Text for a failed query, shown where its data would have been. */
export function failure(error: unknown): string {
  if (error instanceof ApiError)
    return error.status ? `Query failed (${error.status}): ${error.message}` : `Query failed: ${error.message}`;
  return `Query failed: ${error instanceof Error ? error.message : String(error)}`;
}

let colorCache: { dark: boolean; colors: string[] } | null = null;

/** Fixed colours for host charts, read from the theme (once per theme) so both stay legible. */
export function themeColors(): string[] {
  const dark = matchMedia('(prefers-color-scheme: dark)').matches;
  if (!colorCache || colorCache.dark !== dark) {
    const s = getComputedStyle(document.documentElement);
    colorCache = {
      dark,
      colors: Array.from({ length: 8 }, (_, i) => s.getPropertyValue(`--c${i + 1}`).trim() || '#888'),
    };
  }
  return colorCache.colors;
}

/** The period of a view over `step`-second data on an agent reporting every `interval` s. */
export function livePeriod(interval: number, step: number): number {
  return Math.max(interval, Math.min(60, step));
}

/**
 * The chart gestures of a view: zoom and unzoom move the shared window; a legend toggle is
 * kept in the URL as "CHART:LINE" (a line's group when it has one, so both halves of a
 * stacked real server go together).
 */
export function chartEvents(ctx: ViewCtx): ChartEvents {
  return {
    zoom: (a, b) => ctx.zoom(a, b),
    unzoom: () => ctx.unzoom(),
    toggle: (s, line, shown) => {
      const key = `${s.id}:${line.group ?? line.label}`;
      const off = ctx.state.off.filter((k) => k !== key);
      ctx.setOff(shown ? off : [...off, key]);
    },
  };
}

/** The lines of chart `id` that the URL turns off. */
export function offFor(ctx: ViewCtx, id: string): string[] {
  return ctx.state.off.filter((k) => k.startsWith(`${id}:`)).map((k) => k.slice(id.length + 1));
}
