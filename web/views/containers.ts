// The host view's container part: one line per container in four charts (CPU, memory,
// network, block I/O; every container's columns from one /container-series request) sharing
// one grouped legend, and the top containers by a chosen metric over the range, with average
// and peak.
import {
  fetchContainerSeries,
  type ContainerInfo,
  type ContainerSeriesResponse,
  type HostInfo,
  type TopResponse,
} from '../api.ts';
import { CHART_DIGITS, mergeInto, spreadColor, type DataSet, type LineSpec } from '../chart-data.ts';
import { ChartPanel, type ChartSpec } from '../charts.ts';
import { el, link } from '../dom.ts';
import { formatValue } from '../format.ts';
import { RANK_METRICS } from '../state.ts';
import { CONTAINER_METRICS, PER_CONTAINER_CHARTS, type HostQueries } from './host-queries.ts';
import { CONTAINER_CHARTS, scaleTo, type RankMetric, type Unit } from '../../protocol/metrics.ts';
import { ContainerLegend } from './legend.ts';
import { markersOf } from '../event-markers.ts';
import { EventsList } from './events-list.ts';
import { eventBadges } from './event-badges.ts';
import { MAX_QUERY_CONTAINERS } from '../../protocol/constants.ts';
import { failure, rethrowFatal, settle, type Settled, type ViewCtx } from './view.ts';

/**
 * Beyond this many containers the charts keep the busiest (the legend says so); all of them
 * come in one /container-series request, so never more than one answer may hold.
 */
const MAX_CHARTED_CONTAINERS = Math.min(60, MAX_QUERY_CONTAINERS);

/** A ranking's name and unit: its line's `rank` and its chart's unit. */
function rankOf(metric: RankMetric): { label: string; unit: Unit } {
  for (const c of CONTAINER_CHARTS)
    for (const l of c.lines) if (l.metric === metric && l.rank) return { label: l.rank, unit: c.unit };
  throw new Error(`${metric} is not a ranking`);
}

const col = (name: string, metric: string) => `c\u0000${name}\u0000${metric}`;

/** The per-container charts, a line (or an in/out pair) per container in its colour. */
function specs(list: { name: string; color: string }[]): ChartSpec[] {
  return PER_CONTAINER_CHARTS.map((chart) => {
    const lines = list.flatMap((c) =>
      chart.lines.map((l): LineSpec => {
        const spec: LineSpec = {
          key: col(c.name, l.metric),
          label: chart.lines.length > 1 ? `${c.name} ${l.label}` : c.name,
          name: c.name,
          color: c.color,
          group: c.name,
        };
        const scale = scaleTo(chart.unit, l.metric);
        if (scale !== 1) spec.scale = scale;
        if (l.role === 'below') spec.mirror = true;
        return spec;
      }),
    );
    const { title, note } = chart.perContainer!;
    return { id: `c-${chart.id}`, title, unit: chart.unit, readout: 'top', ...(note ? { note } : {}), lines };
  });
}

export class ContainersSection {
  readonly el: HTMLElement;
  private readonly panels: ChartPanel[] = [];
  private readonly legend: ContainerLegend;
  private readonly topBody: HTMLElement;
  private readonly topHead: HTMLElement;
  private readonly msgEl: HTMLElement;
  private readonly countEl: HTMLElement;
  private readonly rankSel: HTMLSelectElement;
  private readonly events: EventsList;
  private colors = new Map<string, string>();
  /** Containers in the range at the last refresh (0 before the first). */
  private lastTotal = 0;

  constructor(
    private readonly ctx: ViewCtx,
    private readonly host: string,
  ) {
    this.legend = new ContainerLegend((hidden) => ctx.setHidden(hidden));
    this.rankSel = el(
      'select',
      { 'aria-label': 'Rank containers by' },
      RANK_METRICS.map((m) => el('option', { value: m }, [rankOf(m).label])),
    );
    this.rankSel.value = ctx.state.rank;
    this.rankSel.addEventListener('change', () => ctx.setRank(this.rankSel.value as RankMetric));
    this.topHead = el('tr');
    this.topBody = el('tbody');
    this.msgEl = el('p', { class: 'section-msg', hidden: true });
    this.countEl = el('span', { class: 'count' });
    const grid = el('div', { class: 'chart-grid wide' });
    this.events = new EventsList((name) => ctx.href({ view: 'container', host, container: name }));
    this.el = el('section', { class: 'containers' }, [
      el('div', { class: 'section-head' }, [el('h2', {}, ['Containers']), this.countEl]),
      this.msgEl,
      el('div', { class: 'containers-top panel' }, [
        el('div', { class: 'top-head' }, [el('h3', {}, ['Top containers']), el('label', {}, ['by ', this.rankSel])]),
        el('div', { class: 'table-scroll' }, [
          el('table', { class: 'top-table' }, [el('thead', {}, [this.topHead]), this.topBody]),
        ]),
      ]),
      this.legend.el,
      grid,
      this.events.el,
    ]);
    for (const spec of specs([])) {
      this.panels.push(new ChartPanel(grid, spec, { zoom: (a, b) => ctx.zoom(a, b), unzoom: () => ctx.unzoom() }));
    }
  }

  /** Whether every container's lines can come as containers=* (see HostQueries). */
  wantsAll(): boolean {
    return this.lastTotal <= MAX_CHARTED_CONTAINERS;
  }

  /** Draws after `after` (the host's own charts on screen), when the answers are in. */
  async refresh(info: HostInfo, queries: HostQueries, signal: AbortSignal, after?: Promise<void>): Promise<void> {
    const { win, maxPoints, rank } = queries;
    let list = info.containers.filter((c) => c.last_seen >= win.from && c.first_seen <= win.to);
    const total = list.length;
    this.lastTotal = total;
    if (list.length > MAX_CHARTED_CONTAINERS) {
      const keep = new Set(
        [...list].sort((a, b) => (b.latest[rank] ?? 0) - (a.latest[rank] ?? 0)).slice(0, MAX_CHARTED_CONTAINERS),
      );
      list = list.filter((c) => keep.has(c));
    }
    const running = info.containers.filter((c) => c.running).length;
    const gone = info.containers.length - running;
    this.countEl.textContent = `${running} running${gone ? `, ${gone} gone` : ''}${info.online ? '' : ' at the last report'}`;

    // One request for every container's lines (one tier and grid for all), not one each: the
    // one sent ahead when it holds every listed container, else one naming them.
    const named = () =>
      settle(
        fetchContainerSeries(
          {
            host: this.host,
            containers: list.map((c) => c.name),
            metrics: CONTAINER_METRICS,
            from: win.from,
            to: win.to,
            maxPoints,
            digits: CHART_DIGITS,
          },
          signal,
        ),
      );
    let series: Promise<Settled<ContainerSeriesResponse>> | undefined;
    if (list.length && total <= MAX_CHARTED_CONTAINERS && queries.allContainers) {
      series = queries.allContainers.answer.then((r) =>
        r.ok && list.every((c) => c.name in r.value.containers) ? r : named(),
      );
    } else {
      queries.allContainers?.abort();
      series = list.length ? named() : undefined;
    }
    const [result, topResult, events, summary] = await Promise.all([
      series,
      queries.top,
      queries.events,
      queries.summary,
      after,
    ]);
    rethrowFatal(result ? [result, topResult, events, summary] : [topResult, events, summary]);

    let ds: DataSet | undefined;
    if (result?.ok) {
      const r = result.value;
      for (const [name, series] of Object.entries(r.containers)) ds = mergeInto(ds, { ...r, series }, col(name, ''));
    }
    const notes = [];
    if (total > list.length) notes.push(`Showing the ${list.length} busiest of ${total} containers.`);
    this.msgEl.hidden = notes.length === 0;
    this.msgEl.textContent = notes.join(' ');

    const entries = this.colorize(list);
    const perContainer = summary.ok ? summary.value.containers : {};
    this.legend.render(
      entries.map((e, i) => ({
        ...e,
        project: list[i].compose_project || null,
        running: list[i].running,
        badges: Object.hasOwn(perContainer, e.name) ? eventBadges(perContainer[e.name]) : null,
      })),
      this.ctx.state.hidden,
    );
    // Marks of the containers the charts draw (one left out for being quiet has no line to mark).
    const drawn = new Set(list.map((c) => c.name));
    const marks = events.ok
      ? markersOf(
          events.value.events.filter((e) => drawn.has(e.container)),
          true,
        )
      : [];
    if (events.ok) this.events.render(events.value.events, events.value.truncated, win.to - win.from);
    else this.events.showError(failure(events.error));
    const empty: DataSet = { t: [], cols: {}, step: 1, tier: 'raw', from: win.from, to: win.to };
    const next = specs(entries);
    const none = list.length === 0 ? 'No containers in this range' : undefined;
    const error = result && !result.ok ? failure(result.error) : undefined;
    this.panels.forEach((p, i) => {
      p.setHidden(this.ctx.state.hidden);
      p.setData(ds ?? empty, next[i], none);
      p.setMarkers(marks);
      if (error) p.showNote(error);
    });
    this.renderTop(topResult, rank);
  }

  /** Colours by position in the (project, name) order, kept while the set is unchanged. */
  private colorize(list: ContainerInfo[]): { name: string; color: string }[] {
    const names = list.map((c) => c.name);
    if (names.length !== this.colors.size || names.some((n) => !this.colors.has(n))) {
      const dark = this.ctx.dark();
      this.colors = new Map(names.map((n, i) => [n, spreadColor(i, dark)]));
    }
    return names.map((name) => ({ name, color: this.colors.get(name)! }));
  }

  private renderTop(r: Settled<TopResponse>, rank: RankMetric): void {
    const { label, unit } = rankOf(rank);
    const k = scaleTo(unit, rank);
    const heads: [string, string][] = [
      ['#', 'rank'],
      ['Container', ''],
      ['Project', 'proj'],
      [`${label} avg`, ''],
      [`${label} peak`, ''],
    ];
    this.topHead.replaceChildren(...heads.map(([h, cls]) => el('th', { class: cls || undefined }, [h])));
    if (!r.ok) {
      this.topBody.replaceChildren(el('tr', {}, [el('td', { colspan: 5, class: 'error' }, [failure(r.error)])]));
      this.legend.setTop([]);
      return;
    }
    const rows = r.value.containers.map((c, i) =>
      el('tr', {}, [
        el('td', { class: 'num rank' }, [String(i + 1)]),
        el('td', { class: 'name' }, [
          el('i', { class: 'swatch', style: `--c:${this.colors.get(c.name) ?? 'transparent'}` }),
          link(this.ctx.href({ view: 'container', host: this.host, container: c.name }), [c.name]),
        ]),
        el('td', { class: 'muted proj' }, [c.compose_project || '–']),
        el('td', { class: 'num' }, [formatValue(unit, c.avg * k)]),
        el('td', { class: 'num' }, [formatValue(unit, c.max === null ? null : c.max * k)]),
      ]),
    );
    this.topBody.replaceChildren(
      ...(rows.length
        ? rows
        : [el('tr', {}, [el('td', { colspan: 5, class: 'muted' }, ['No container data in this range'])])]),
    );
    this.legend.setTop(r.value.containers.map((c) => c.name));
  }

  applyToggles(): void {
    for (const p of this.panels) p.setHidden(this.ctx.state.hidden);
    this.legend.setHidden(this.ctx.state.hidden);
  }

  preview(from: number, to: number): void {
    for (const p of this.panels) p.preview(from, to);
  }

  resize(): void {
    for (const p of this.panels) p.resize();
  }

  destroy(): void {
    for (const p of this.panels) p.destroy();
  }
}
