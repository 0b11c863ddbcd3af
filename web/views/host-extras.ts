// The host view's optional sections: systemd services, hardware (temperatures, fans, disk
// health), IPVS and ARP ("Load balancing and ARP") and Mackerel plugins, shown only when the
// host's catalogue lists those series in the window. Their charts are ordinary ChartPanels, so
// they share the page's cursor, zoom, bands and toggles; services and disks also get a table.
import { fetchCatalog, fetchSeries, type CatalogSeries } from '../api.ts';
import { mergeInto, type DataSet } from '../chart-data.ts';
import { ChartPanel, type ChartSpec } from '../charts.ts';
import { el } from '../dom.ts';
import type { Window } from '../state.ts';
import { networkSeries, networkSpecs, type ExtraData } from './network-internals.ts';
import { pluginSeries, pluginSpecs } from './plugin-charts.ts';
import { serviceRows, serviceSeries, serviceSpecs, type ServiceRow } from './services.ts';
import { diskRows, hardwareSeries, hardwareSpecs, type DiskRow } from './hardware.ts';
import { formatBytes, formatCount, formatDuration, formatPct } from '../format.ts';
import { chartEvents, failure, offFor, rethrowFatal, settle, themeColors, type ViewCtx } from './view.ts';

/** The catalogue changes when a host adds a service or a plugin: re-read it this often. */
const CATALOG_TTL_MS = 60_000;

class Section {
  readonly el: HTMLElement;
  readonly grid: HTMLElement;
  readonly msg: HTMLElement;
  /** A table above the charts (services, disks), when the section has one. */
  readonly table: HTMLElement;
  constructor(title: string, cls: string) {
    this.grid = el('div', { class: 'chart-grid' });
    this.msg = el('p', { class: 'section-msg', hidden: true });
    this.table = el('div', { class: 'panel', hidden: true });
    this.el = el('section', { class: `host-charts ${cls}`, hidden: true }, [
      el('div', { class: 'section-head' }, [el('h2', {}, [title])]),
      this.msg,
      this.table,
      this.grid,
    ]);
  }
  /** The table's rows (none: no table); columns from `firstNum` on are numbers, right-aligned. */
  rows(head: string[], firstNum: number, rows: (string | Node)[][], classes: string[] = []): void {
    this.table.hidden = rows.length === 0;
    const num = (i: number) => (i >= firstNum ? { class: 'num' } : {});
    this.table.replaceChildren(
      el('div', { class: 'table-scroll' }, [
        el('table', { class: 'list-table' }, [
          el('thead', {}, [
            el(
              'tr',
              {},
              head.map((h, i) => el('th', num(i), [h])),
            ),
          ]),
          el(
            'tbody',
            {},
            rows.map((r, i) =>
              el(
                'tr',
                classes[i] ? { class: classes[i] } : {},
                r.map((c, j) => el('td', num(j), [c])),
              ),
            ),
          ),
        ]),
      ]),
    );
  }
  notes(lines: string[], error = false): void {
    this.msg.hidden = lines.length === 0;
    this.msg.classList.toggle('error', error);
    this.msg.replaceChildren(...lines.flatMap((l, i) => (i ? [el('br'), l] : [l])));
  }
}

export class HostExtras {
  readonly el: HTMLElement;
  private readonly services = new Section('Services', 'services');
  private readonly hardware = new Section('Hardware', 'hardware');
  private readonly net = new Section('Load balancing and ARP', 'net-internals');
  private readonly plugins = new Section('Plugins', 'plugin-charts');
  private readonly panels = new Map<string, ChartPanel>();
  private catalog: { at: number; series: Promise<CatalogSeries[]> } | null = null;

  constructor(
    private readonly ctx: ViewCtx,
    private readonly host: string,
  ) {
    this.el = el('div', { class: 'host-extras' }, [this.services.el, this.hardware.el, this.net.el, this.plugins.el]);
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
    const svcNames = serviceSeries(inWindow);
    const hwNames = hardwareSeries(inWindow);
    const names = [...svcNames, ...hwNames, ...netNames, ...plug.names];
    const q = { host: this.host, from: win.from, to: win.to, maxPoints, minmax: true };
    // Every name in one request (none when the host reports none of them).
    const answer = names.length ? await settle(fetchSeries({ ...q, series: names }, signal)) : undefined;
    let ds: DataSet | undefined;
    const data: ExtraData = { cols: {}, labels: {} };
    const errors = { net: '', plugins: '', services: '', hardware: '' };
    if (answer) {
      rethrowFatal([answer]);
      if (answer.ok) {
        ds = mergeInto(undefined, answer.value);
        data.cols = ds.cols;
        data.labels = answer.value.labels ?? {};
      } else {
        if (netNames.length) errors.net = failure(answer.error);
        if (plug.names.length) errors.plugins = failure(answer.error);
        if (svcNames.length) errors.services = failure(answer.error);
        if (hwNames.length) errors.hardware = failure(answer.error);
      }
    }
    const colors = themeColors();
    const dark = this.ctx.dark();
    const net = networkSpecs(data, colors, dark);
    const plugins = pluginSpecs(inWindow, data, plug.left, dark);
    const svc = serviceSpecs(data, dark);
    const hw = hardwareSpecs(data, dark);
    const units = serviceRows(data);
    const disks = diskRows(data);
    this.services.rows(
      ['service', 'state', 'CPU', 'memory', 'tasks', 'restarts'],
      2,
      units.map(serviceCells),
      units.map((u) => (u.failed ? 'failed' : '')),
    );
    this.hardware.rows(
      ['disk', 'model', 'health', 'temperature', 'powered on', 'reallocated', 'NVMe wear', 'media errors'],
      3,
      disks.map(diskCells),
      disks.map((d) => (d.healthy === 0 ? 'failed' : '')),
    );
    const failed = units.filter((u) => u.failed);
    const svcNotes = failed.length ? [`Failed: ${failed.map((u) => u.unit).join(', ')}`] : [];
    this.render(this.services, svc, svcNotes, errors.services, ds, empty, units.length > 0);
    this.render(this.hardware, hw, [], errors.hardware, ds, empty, disks.length > 0);
    this.render(this.net, net.specs, net.notes, errors.net, ds, empty);
    this.render(this.plugins, plugins.specs, plugins.notes, errors.plugins, ds, empty);
    const keep = new Set([...svc, ...hw, ...net.specs, ...plugins.specs].map((s) => s.id));
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
    hasTable = false,
  ): void {
    section.el.hidden = specs.length === 0 && !error && !hasTable;
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

const dash = (v: number | undefined, f: (v: number) => string) => (v === undefined ? '–' : f(v));
const exact = (v: number) => String(Math.round(v));

function serviceCells(u: ServiceRow): (string | Node)[] {
  const state = u.failed ? 'failed' : u.active ? 'active' : u.active === 0 ? 'not active' : '–';
  return [
    el('bdi', {}, [u.unit]),
    state,
    dash(u.cpuPct, formatPct),
    dash(u.memBytes, formatBytes),
    dash(u.tasks, formatCount),
    dash(u.restarts, formatCount),
  ];
}

function diskCells(d: DiskRow): (string | Node)[] {
  return [
    el('bdi', {}, [d.device]),
    el('bdi', {}, [d.model]),
    d.healthy === undefined ? '–' : d.healthy ? 'passed' : 'FAILING',
    dash(d.tempC, (v) => `${v} °C`),
    dash(d.powerOnSeconds, formatDuration),
    // Counts of sectors and errors exactly: 1,880 reallocated is not "1.88k".
    dash(d.reallocated, exact),
    dash(d.nvmeUsedPct, (v) => `${v} %`),
    dash(d.mediaErrors, exact),
  ];
}
