// What the charts draw beyond uPlot's defaults: local 24-hour time ticks, the theme's axis
// colours, and the min–max bands of rollup tiers (filled under the lines, broken at gaps).
import type uPlot from 'uplot';
import type { Prepared } from './chart-data.ts';

/** Time ticks on a 24-hour clock in the browser's zone, the date under the first tick and at midnight. */
export const X_STAMPS: (string | number | null)[][] = [
  // tick step, default, then rollover formats: year, month, day, hour, min, sec, mode (1 = append)
  [31536000, '{YYYY}', null, null, null, null, null, null, 1],
  [86400 * 28, '{MMM}', '\n{YYYY}', null, null, null, null, null, 1],
  [86400, '{D} {MMM}', '\n{YYYY}', null, null, null, null, null, 1],
  [3600, '{HH}:{mm}', '\n{D} {MMM} {YYYY}', null, '\n{D} {MMM}', null, null, null, 1],
  [60, '{HH}:{mm}', '\n{D} {MMM} {YYYY}', null, '\n{D} {MMM}', null, null, null, 1],
  [1, '{HH}:{mm}:{ss}', '\n{D} {MMM} {YYYY}', null, '\n{D} {MMM}', null, null, null, 1],
];
/** Every y axis has this width, so stacked charts line up. */
export const AXIS_SIZE = 74;

/** Theme values the canvas needs, read once per theme (getComputedStyle forces a style pass). */
let themeCache: { dark: boolean; muted: string; grid: string; font: string } | null = null;
export function theme(): NonNullable<typeof themeCache> {
  const dark = matchMedia('(prefers-color-scheme: dark)').matches;
  if (!themeCache || themeCache.dark !== dark) {
    const s = getComputedStyle(document.documentElement);
    const v = (name: string) => s.getPropertyValue(name).trim();
    themeCache = {
      dark,
      muted: v('--muted'),
      grid: v('--grid'),
      font: `11px ${v('--font-ui') || 'system-ui, sans-serif'}`,
    };
  }
  return themeCache;
}

function withAlpha(color: string, alpha: number): string {
  return color.startsWith('hsl(')
    ? color.replace(/\)$/, ` / ${alpha})`)
    : `color-mix(in srgb, ${color} ${Math.round(alpha * 100)}%, transparent)`;
}

/** Fills each line's min–max band (or stacked area) under the lines, breaking at gaps. */
export function drawBands(u: uPlot, prepared: () => Prepared, alpha = 0.2): void {
  const p = prepared();
  const { ctx } = u;
  const xs = u.data[0];
  ctx.save();
  ctx.beginPath();
  ctx.rect(u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height);
  ctx.clip();
  p.bands.forEach((b, li) => {
    const s = u.series[li + 1];
    if (!b || !s.show) return;
    ctx.fillStyle = withAlpha(String(s.stroke instanceof Function ? s.stroke(u, li + 1) : s.stroke), alpha);
    let i = 0;
    while (i < xs.length) {
      while (i < xs.length && (b.lo[i] === null || b.hi[i] === null)) i++;
      const start = i;
      while (i < xs.length && b.lo[i] !== null && b.hi[i] !== null) i++;
      if (i === start) continue;
      ctx.beginPath();
      const x = (j: number) => u.valToPos(xs[j], 'x', true);
      const y = (v: number | null) => u.valToPos(v ?? 0, 'y', true);
      if (i - start === 1) {
        ctx.rect(x(start) - 1, y(b.hi[start]), 2, y(b.lo[start]) - y(b.hi[start]));
      } else {
        ctx.moveTo(x(start), y(b.hi[start]));
        for (let j = start + 1; j < i; j++) ctx.lineTo(x(j), y(b.hi[j]));
        for (let j = i - 1; j >= start; j--) ctx.lineTo(x(j), y(b.lo[j]));
        ctx.closePath();
      }
      ctx.fill();
    }
  });
  ctx.restore();
}
