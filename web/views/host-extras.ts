// The host view's optional sections: IPVS and ARP ("Load balancing and ARP") and Mackerel
// plugins, shown only when the host's catalogue lists those series in the window. Their charts
// are ordinary ChartPanels, so they share the page's cursor, zoom, bands and toggles.
import { fetchCatalog, fetchSeries, type CatalogSeries } from '../api.ts';
import { mergeInto, type DataSet } from '../chart-data.ts';
import { ChartPanel, type ChartSpec } from '../charts.ts';
import { el } from '../dom.ts';
import type { Window } from '../state.ts';
import { networkSeries, networkSpecs, type ExtraData } from './network-internals.ts';
import { pluginSeries, pluginSpecs } from './plugin-charts.ts';
import { chartEvents, failure, offFor, rethrowFatal, settle, themeColors, type ViewCtx } from './view.ts';

/** The catalogue changes when a host adds a service or a plugin: re-read it this often. */
const CATALOG_TTL_MS = 60_000;

class Section {
  readonly el: HTMLElement;
  readonly grid: HTMLElement;
  readonly msg: HTMLElement;
  constructor(title: string, cls: string) {
    this.grid = el('div', { class: 'chart-grid' });
    this.msg = el('p', { class: 'section-msg', hidden: true });
    this.el = el('section', { class: `host-charts ${cls}`, hidden: true }, [
      el('div', { class: 'section-head' }, [el('h2', {}, [title])]),
      this.msg,
      this.grid,
    ]);
  }
  notes(lines: string[], error = false): void {
    this.msg.hidden = lines.length === 0;
    this.msg.classList.toggle('error', error);
    this.msg.replaceChildren(...lines.flatMap((l, i) => (i ? [el('br'), l] : [l])));
  }
}

export class HostExtras {
  readonly el: HTMLElement;
  private readonly net = new Section('Load balancing and ARP', 'net-internals');
  private readonly plugins = new Section('Plugins', 'plugin-charts');
  private readonly panels = new Map<string, ChartPanel>();
  private catalog: { at: number; series: Promise<CatalogSeries[]> } | null = null;

  constructor(
    private readonly ctx: ViewCtx,
    private readonly host: string,
  ) {
    this.el = el('div', { class: 'host-extras' }, [this.net.el, this.plugins.el]);
  }

  /**
   * The host's catalogue, re-read after CATALOG_TTL_MS. The read is shared by the refreshes
   * that overlap it, so it is not tied to one refresh's signal (it has its own timeout).
   */
  private readCatalog(): Promise<CatalogSeries[]> {
    if (!this.catalog || Date.now() - this.catalog.at >= CATALOG_TTL_MS) {
      const read = fetchCatalog(this.host).then((r) => r.series);
      const entry = { at: Date.now(), series: read };
      this.catalog = entry;
      // A failed read is not kept: the next refresh asks again.
      read.catch(() => {
        if (this.catalog === entry) this.catalog = null;
      });
    }
    return this.catalog.series;
  }

  /** Starts reading the catalogue, so refresh() need not wait for the host list to ask. */
  prefetch(): void {
    this.readCatalog().catch(() => {});
  }

  async refresh(win: Window, maxPoints: number, empty: string | undefined, signal: AbortSignal): Promise<void> {
    const cat = await settle(this.readCatalog());
    signal.throwIfAborted();
    rethrowFatal([cat]);
    if (!cat.ok) {
      this.net.el.hidden = this.panels.size === 0;
      this.net.notes([`Could not list this host's series: ${failure(cat.error)}`], true);
      return;
    }
    const inWindow = cat.value.filter((s) => s.last_seen >= win.from && s.first_seen <= win.to);
    const netNames = networkSeries(inWindow);
    const plug = pluginSeries(inWindow);
    const names = [...netNames, ...plug.names];
    const q = { host: this.host, from: win.from, to: win.to, maxPoints, minmax: true };
    // Every name in one request (none when the host reports none of them).
    const answer = names.length ? await settle(fetchSeries({ ...q, series: names }, signal)) : undefined;
    let ds: DataSet | undefined;
    const data: ExtraData = { cols: {}, labels: {} };
    const errors = { net: '', plugins: '' };
    if (answer) {
      rethrowFatal([answer]);
      if (answer.ok) {
        ds = mergeInto(undefined, answer.value);
        data.cols = ds.cols;
        data.labels = answer.value.labels ?? {};
      } else {
        if (netNames.length) errors.net = failure(answer.error);
        if (plug.names.length) errors.plugins = failure(answer.error);
      }
    }
    const colors = themeColors();
    const dark = this.ctx.dark();
    const net = networkSpecs(data, colors, dark);
    const plugins = pluginSpecs(inWindow, data, plug.left, dark);
    this.render(this.net, net.specs, net.notes, errors.net, ds, empty);
    this.render(this.plugins, plugins.specs, plugins.notes, errors.plugins, ds, empty);
    const keep = new Set([...net.specs, ...plugins.specs].map((s) => s.id));
    for (const [id, p] of this.panels) {
      if (!keep.has(id)) {
        p.destroy();
        this.panels.delete(id);
      }
    }
  }

  private render(
    section: Section,
    specs: ChartSpec[],
    notes: string[],
    error: string,
    ds: DataSet | undefined,
    empty: string | undefined,
  ): void {
    section.el.hidden = specs.length === 0 && !error;
    section.notes(error ? [error, ...notes] : notes, !!error);
    const order: HTMLElement[] = [];
    for (const spec of specs) {
      const panel = this.panel(section, spec);
      panel.setHidden(offFor(this.ctx, spec.id));
      if (ds) panel.setData(ds, spec, empty);
      order.push(panel.el);
    }
    // New services or plugin graphs slot into their sorted place, not at the end.
    const now = [...section.grid.children];
    if (order.length !== now.length || order.some((e, i) => e !== now[i])) section.grid.append(...order);
  }

  private panel(section: Section, spec: ChartSpec): ChartPanel {
    let p = this.panels.get(spec.id);
    if (!p) {
      p = new ChartPanel(section.grid, spec, chartEvents(this.ctx));
      this.panels.set(spec.id, p);
    }
    return p;
  }

  applyToggles(): void {
    for (const [id, p] of this.panels) p.setHidden(offFor(this.ctx, id));
  }

  preview(from: number, to: number): void {
    for (const p of this.panels.values()) p.preview(from, to);
  }

  resize(): void {
    for (const p of this.panels.values()) p.resize();
  }

  destroy(): void {
    for (const p of this.panels.values()) p.destroy();
    this.panels.clear();
    this.el.remove();
  }
}
