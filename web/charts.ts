// One chart panel: a titled box holding a uPlot chart, a readout of values (at the cursor, or
// the newest), an in-place error or "no data" note, and the zoom gestures (drag a range to
// re-query it, double-click to step back). All charts of a page share one uPlot.sync cursor.
import uPlot from 'uplot';
import { formatTicks, formatValue, formatTime } from './format.ts';
import type { Unit } from '../protocol/metrics.ts';
import {
  binaryIncrements,
  hasData,
  prepData,
  readings,
  stackAreas,
  stackData,
  yExtent,
  type DataSet,
  type LineSpec,
  type Prepared,
} from './chart-data.ts';
import { AXIS_SIZE, drawBands, theme, X_STAMPS } from './chart-draw.ts';
import { el, text } from './dom.ts';
import { markersPlugin, type Marker } from './event-markers.ts';

export interface ChartSpec {
  id: string;
  title: string;
  unit: Unit;
  lines: LineSpec[];
  /** A fixed top (100 for a percentage of a whole). */
  yMax?: number;
  /** Readout lists every line and toggles them ('all'), or the largest few at the cursor ('top'). */
  readout: 'all' | 'top';
  height?: number;
  /** Words under the title, e.g. "in above the axis, out below". */
  note?: string;
}

export interface ChartEvents {
  /** A range was dragged: re-query it. */
  zoom(from: number, to: number): void;
  /** Double-click: step back out. */
  unzoom(): void;
  /** A line was turned on or off from the readout. */
  toggle?(spec: ChartSpec, line: LineSpec, shown: boolean): void;
}

export const SYNC_KEY = 'berth';

/**
 * Charts to create at the end of the current task, together: all their boxes are read first
 * (one layout), then the ones in or near the viewport are built. Creating each one as its data
 * arrives would read a size after every insertion of the one before, a forced layout per chart.
 */
const toCreate = new Set<ChartPanel>();
/**
 * Charts below the fold: built in the task after the charts in view are drawn (all in one, so
 * their boxes are read in one layout), or, without a box yet (a hidden section), when they
 * come near the viewport.
 */
const waiting = new Set<ChartPanel>();
/** How far beyond the viewport a chart counts as near (a fraction of its height). */
const NEAR = 0.5;
let observer: IntersectionObserver | undefined;
let laterTimer: number | undefined;
let settledWaiters: (() => void)[] = [];

function createPending(): void {
  const panels = [...toCreate];
  toCreate.clear();
  const boxes = panels.map((p) => p.box());
  const margin = innerHeight * NEAR;
  panels.forEach((p, i) => {
    const b = boxes[i];
    if (b.width > 0 && b.top < innerHeight + margin && b.bottom > -margin) p.create(b);
    else wait(p);
  });
  settle();
}

function queueCreate(p: ChartPanel): void {
  if (toCreate.size === 0) queueMicrotask(createPending);
  toCreate.add(p);
}

function wait(p: ChartPanel): void {
  waiting.add(p);
  observer ??= new IntersectionObserver(
    (entries) => {
      for (const e of entries) {
        const p = panelOf.get(e.target);
        if (e.isIntersecting && p && waiting.delete(p)) queueCreate(p);
      }
    },
    { rootMargin: `${NEAR * 100}% 0px` },
  );
  observer.observe(p.el);
  // A task of its own: the frame with the charts in view is painted first.
  laterTimer ??= window.setTimeout(createWaiting, 0);
}

/** Builds every waiting chart that has a box; the others wait for the observer. */
function createWaiting(): void {
  laterTimer = undefined;
  const panels = [...waiting];
  const boxes = panels.map((p) => p.box());
  panels.forEach((p, i) => {
    if (boxes[i].width === 0) return;
    waiting.delete(p);
    observer?.unobserve(p.el);
    p.create(boxes[i]);
  });
  settle();
}

function settle(): void {
  if (toCreate.size || laterTimer !== undefined) return;
  const ws = settledWaiters;
  settledWaiters = [];
  for (const w of ws) w();
}

/**
 * Resolves when every chart with a box has been built (those below the fold too);
 * uPlot draws them in the microtask after, so one frame later they are on screen.
 */
export function chartsBuilt(): Promise<void> {
  return new Promise((resolve) => {
    settledWaiters.push(resolve);
    settle();
  });
}

const panelOf = new WeakMap<Element, ChartPanel>();

export class ChartPanel {
  readonly el: HTMLElement;
  private readonly plotEl: HTMLElement;
  private readonly readoutEl: HTMLElement;
  private readonly noteEl: HTMLElement;
  private readonly tierEl: HTMLElement;
  private readonly subEl: HTMLElement;
  private u: uPlot | null = null;
  private prepared: Prepared = { data: [[]], bands: [] };
  /** What uPlot draws: the prepared columns, or their cumulative sums when lines stack. */
  private drawn: Prepared = this.prepared;
  private areas: Prepared | null = null;
  private window = { from: 0, to: 1 };
  private hidden = new Set<string>();
  private readoutItems: HTMLElement[] = [];
  private lastIdx: number | null | undefined = undefined;
  /** Container events drawn as marks at their time (event-markers.ts). */
  private markers: readonly Marker[] = [];

  constructor(
    parent: HTMLElement,
    public spec: ChartSpec,
    private readonly events: ChartEvents,
  ) {
    this.tierEl = el('span', { class: 'tier' });
    this.subEl = el('span', { class: 'sub' }, [spec.note ?? '']);
    this.readoutEl = el('div', { class: 'readout' });
    this.plotEl = el('div', { class: 'plot' });
    this.noteEl = el('div', { class: 'chart-note', hidden: true });
    this.el = el('section', { class: 'panel chart', 'data-chart': spec.id }, [
      el('header', {}, [el('h3', {}, [spec.title]), this.subEl, this.tierEl]),
      this.readoutEl,
      el('div', { class: 'plot-wrap' }, [this.plotEl, this.noteEl]),
    ]);
    this.plotEl.style.height = `${spec.height ?? 180}px`;
    panelOf.set(this.el, this);
    parent.append(this.el);
  }

  /** Lines (by group, else label) to hide; applied now and kept across data updates. */
  setHidden(keys: Iterable<string>): void {
    this.hidden = new Set(keys);
    const u = this.u;
    if (!u) return;
    // Only lines whose state changes: a no-op batch would still redraw the whole chart.
    const changes = this.spec.lines
      .map((l, i) => ({ i: i + 1, show: !this.hidden.has(l.group ?? l.label) }))
      .filter(({ i, show }) => u.series[i] && u.series[i].show !== show);
    if (changes.length === 0) return;
    u.batch(() => {
      for (const c of changes) u.setSeries(c.i, { show: c.show });
      // A stack re-sums without the hidden lines, so the others close the gap.
      if (this.areas) {
        this.restack();
        u.setData(this.drawn.data as uPlot.AlignedData);
      }
    });
    this.renderReadout(this.lastIdx ?? null, true);
  }

  private shown(): boolean[] {
    return this.spec.lines.map((l) => !this.hidden.has(l.group ?? l.label));
  }

  private restack(): void {
    if (!this.spec.lines.some((l) => l.stack)) {
      this.drawn = this.prepared;
      this.areas = null;
      return;
    }
    const s = stackData(this.prepared, this.spec.lines, this.shown());
    this.drawn = s;
    this.areas = stackAreas(s);
  }

  /**
   * New data for the window [from, to]; rebuilds the chart if its lines changed. `empty` is
   * what to say when no line has a value.
   */
  setData(ds: DataSet, spec: ChartSpec = this.spec, empty = 'No data in this range'): void {
    const same =
      spec.lines.length === this.spec.lines.length &&
      spec.lines.every((l, i) => l.key === this.spec.lines[i].key && l.color === this.spec.lines[i].color);
    this.spec = spec;
    text(this.subEl, spec.note ?? '');
    this.window = { from: ds.from, to: ds.to };
    this.prepared = prepData(spec.lines, ds);
    this.restack();
    const step = ds.step;
    const any = hasData(this.prepared);
    const every = (s: number) => (s < 60 ? `${s} s` : s < 3600 ? `${s / 60} min` : `${s / 3600} h`);
    text(
      this.tierEl,
      !any
        ? ''
        : ds.tier === 'raw'
          ? `every ${every(step)}`
          : `avg per ${every(step)}${this.drawn.bands.some(Boolean) ? ', band = min–max' : ''}`,
    );
    this.showNote(any ? null : empty, false);
    if (this.u && same) {
      this.u.setData(this.drawn.data as uPlot.AlignedData);
    } else {
      this.u?.destroy();
      this.u = null;
      this.el.dataset.drawn = '';
      waiting.delete(this);
      observer?.unobserve(this.el);
      queueCreate(this);
      this.buildReadout();
    }
    this.renderReadout(this.lastIdx ?? null, true);
  }

  /** Container events to mark on the chart (kept across data updates until set again). */
  setMarkers(markers: readonly Marker[]): void {
    const same =
      markers.length === this.markers.length &&
      markers.every((m, i) => m.ts === this.markers[i].ts && m.text === this.markers[i].text);
    this.markers = markers;
    this.el.dataset.markers = String(markers.length);
    if (!same) this.u?.redraw(false, false);
  }

  /** Shows the dragged window at once, from the data at hand, while its query runs. */
  preview(from: number, to: number): void {
    this.window = { from, to };
    this.u?.setScale('x', { min: from, max: to });
  }

  showNote(message: string | null, isError = true): void {
    this.noteEl.hidden = message === null;
    this.noteEl.textContent = message ?? '';
    this.noteEl.classList.toggle('error', isError);
    this.el.classList.toggle('failed', message !== null && isError);
  }

  resize(): void {
    if (!this.u) return;
    const w = this.plotEl.clientWidth;
    if (w > 0 && w !== this.u.width) this.u.setSize({ width: w, height: this.plotEl.clientHeight });
  }

  destroy(): void {
    toCreate.delete(this);
    waiting.delete(this);
    observer?.unobserve(this.el);
    this.u?.destroy();
    this.u = null;
    this.el.remove();
  }

  /** The plot's size and place in the viewport, read while the layout is clean (see createPending). */
  box(): { width: number; height: number; top: number; bottom: number } {
    const { top, bottom } = this.plotEl.getBoundingClientRect();
    return { width: this.plotEl.clientWidth, height: this.plotEl.clientHeight, top, bottom };
  }

  /** Builds the uPlot chart for the data and lines set last; drawn in uPlot's next microtask. */
  create(size: { width: number; height: number }): void {
    if (this.u) return;
    this.u = this.make(size);
  }

  private make(size: { width: number; height: number }): uPlot {
    const { spec, events } = this;
    const { muted, grid, font } = theme();
    const shown = this.shown();
    const series: uPlot.Series[] = [
      {},
      ...spec.lines.map((l, i): uPlot.Series => ({
        label: l.label,
        stroke: l.color,
        width: l.width ?? 1,
        dash: l.dash,
        show: shown[i],
        spanGaps: false,
        points: { show: false },
      })),
    ];
    const unit = spec.unit;
    const incrs = unit === 'bytes' || unit === 'bytes_per_s' ? binaryIncrements() : undefined;
    const opts: uPlot.Options = {
      width: Math.max(200, size.width),
      height: size.height || spec.height || 180,
      legend: { show: false },
      plugins: [markersPlugin(() => this.markers)],
      // Room on the right for the last time label.
      padding: [8, 18, 0, 0],
      series,
      scales: {
        x: { time: true, range: () => [this.window.from, this.window.to] },
        y: {
          range: (u) => {
            const [lo, hi] = yExtent(
              this.drawn,
              u.series.slice(1).map((s) => s.show !== false),
            );
            if (spec.yMax !== undefined) return [Math.min(0, lo), Math.max(spec.yMax, hi)];
            return uPlot.rangeNum(lo, hi, 0.1, true);
          },
        },
      },
      axes: [
        { stroke: muted, font, values: X_STAMPS, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } },
        {
          stroke: muted,
          font,
          size: AXIS_SIZE,
          incrs,
          grid: { stroke: grid, width: 1 },
          ticks: { stroke: grid, width: 1 },
          values: (_u, splits) => formatTicks(unit, splits),
        },
      ],
      cursor: {
        // The cursor is shared; a drag is not, so only the dragged chart draws a selection
        // and asks for the zoom.
        sync: {
          key: SYNC_KEY,
          setSeries: false,
          filters: { pub: (type) => type !== 'mousedown' && type !== 'mouseup' },
        },
        drag: { x: true, y: false, setScale: false },
        points: { size: 5 },
        y: false,
        bind: {
          dblclick: () => () => {
            events.unzoom();
            return null;
          },
        },
      },
      hooks: {
        setSelect: [
          (u) => {
            const { left, width } = u.select;
            if (width >= 4) {
              const from = Math.floor(u.posToVal(left, 'x'));
              const to = Math.ceil(u.posToVal(left + width, 'x'));
              u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
              if (to - from >= 2) events.zoom(from, to);
            }
          },
        ],
        setCursor: [(u) => this.renderReadout(u.cursor.idx ?? null, false)],
        drawAxes: [
          (u) => {
            drawBands(u, () => this.drawn);
            if (this.areas) drawBands(u, () => this.areas!, 0.45);
          },
        ],
        draw: [
          () => {
            // Read by the tests and the bench: this chart has been drawn at least once.
            this.el.dataset.drawn = '1';
          },
        ],
      },
    };
    return new uPlot(opts, this.drawn.data as uPlot.AlignedData, this.plotEl);
  }

  private buildReadout(): void {
    this.readoutEl.replaceChildren();
    this.readoutItems = [];
    if (this.spec.readout === 'all') {
      this.spec.lines.forEach((l) => {
        const item = el('button', { class: 'ro-item', type: 'button', title: `${l.label}: show or hide` }, [
          el('i', { class: 'swatch', style: `--c:${l.color}` }),
          el('span', { class: 'ro-name' }, lineLabel(l)),
          el('b', { class: 'ro-val' }),
        ]);
        item.addEventListener('click', () => {
          const key = l.group ?? l.label;
          const show = this.hidden.has(key);
          if (show) this.hidden.delete(key);
          else this.hidden.add(key);
          this.setHidden(this.hidden);
          this.events.toggle?.(this.spec, l, show);
        });
        this.readoutItems.push(item);
      });
      this.readoutEl.append(el('span', { class: 'ro-time' }), ...this.readoutItems);
    } else {
      this.readoutEl.append(el('span', { class: 'ro-time' }));
    }
  }

  private renderReadout(idx: number | null, force: boolean): void {
    if (!force && idx === this.lastIdx) return;
    this.lastIdx = idx;
    const p = this.prepared;
    const timeEl = this.readoutEl.firstElementChild as HTMLElement | null;
    if (!timeEl) return;
    const t = idx === null ? undefined : p.data[0][idx];
    timeEl.textContent = t === undefined ? 'last' : formatTime(t, this.window.to - this.window.from);
    const fmt = (v: number) => formatValue(this.spec.unit, Math.abs(v));
    const shown = this.shown();
    if (this.spec.readout === 'all') {
      const byLine = new Map(readings(p, shown, idx).map((r) => [r.line, r.value]));
      this.readoutItems.forEach((item, i) => {
        const v = byLine.get(i);
        item.classList.toggle('off', !shown[i]);
        text(item.lastElementChild as HTMLElement, v === undefined ? '–' : fmt(v));
      });
      return;
    }
    const top = readings(p, shown, idx, 6);
    const items = top.map((r) => {
      const l = this.spec.lines[r.line];
      return el('span', { class: 'ro-item', title: l.label }, [
        el('i', { class: 'swatch', style: `--c:${l.color}` }),
        el('span', { class: 'ro-name' }, lineLabel(l)),
        el('b', { class: 'ro-val' }, [fmt(r.value)]),
      ]);
    });
    this.readoutEl.replaceChildren(timeEl, ...items);
  }
}

/** A line's label for the readout, its name in a <bdi> (see LineSpec.name). */
function lineLabel(l: LineSpec): (Node | string)[] {
  if (l.name === undefined || !l.label.startsWith(l.name)) return [l.label];
  return [el('bdi', {}, [l.name]), l.label.slice(l.name.length)];
}
