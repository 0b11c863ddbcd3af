// Container view: everything about one container name on one host — its image, Docker id,
// compose project, labels, and all its metrics with min–max bands. History follows the name,
// so it spans recreations (a new Docker id under the same name continues the same lines).
import { fetchEvents, fetchEventSummary, fetchHosts, fetchSeries, type ContainerInfo } from '../api.ts';
import type { ContainerEventSummary } from '../../protocol/events.ts';
import { markersOf } from '../event-markers.ts';
import { EventsList } from './events-list.ts';
import { eventBadges } from './event-badges.ts';
import { ChartPanel, type ChartSpec } from '../charts.ts';
import { mergeInto } from '../chart-data.ts';
import { chartSpec, lineSpec } from '../chart-lines.ts';
import { CONTAINER_CHARTS } from '../../protocol/metrics.ts';
import { el, link } from '../dom.ts';
import { formatAgo, formatRange } from '../format.ts';
import { currentWindow } from '../state.ts';
import { facts, statusBadge } from './host.ts';
import {
  chartEvents,
  failure,
  livePeriod,
  offFor,
  rethrowFatal,
  settle,
  themeColors,
  type View,
  type ViewCtx,
} from './view.ts';

/** Every metric the charts draw, in one request. */
export const CONTAINER_VIEW_METRICS = [...new Set(CONTAINER_CHARTS.flatMap((c) => c.lines.map((l) => l.metric)))];

/**
 * The container's charts. A limit at (about) the host's memory is Docker's "no limit": it is
 * not drawn (it would flatten the line), and the notes say so.
 */
function specs(colors: string[], limited = true): ChartSpec[] {
  return CONTAINER_CHARTS.map((chart) => {
    const lines = chart.lines.filter((l) => limited || l.role !== 'limit').map((l) => lineSpec(chart, l, colors));
    const spec = chartSpec(chart, lines);
    if (!limited && chart.unlimitedNote) spec.note = chart.unlimitedNote;
    return spec;
  });
}

export class ContainerView implements View {
  readonly el: HTMLElement;
  private readonly headEl: HTMLElement;
  private readonly labelsEl: HTMLElement;
  private readonly msgEl: HTMLElement;
  private readonly grid: HTMLElement;
  private readonly panels: ChartPanel[] = [];
  private readonly events = new EventsList();
  private interval = 10;
  private step = 10;

  constructor(
    private readonly ctx: ViewCtx,
    private readonly host: string,
    private readonly name: string,
  ) {
    this.headEl = el('div', { class: 'view-head' }, [el('h1', {}, [name])]);
    this.msgEl = el('p', { class: 'section-msg error', hidden: true });
    this.labelsEl = el('section', { class: 'panel labels', hidden: true });
    this.grid = el('div', { class: 'chart-grid' });
    this.el = el('div', { class: 'view container-view' }, [
      this.headEl,
      this.msgEl,
      this.grid,
      this.events.el,
      this.labelsEl,
    ]);
    for (const spec of specs(themeColors())) {
      this.panels.push(new ChartPanel(this.grid, spec, chartEvents(ctx)));
    }
  }

  async refresh(signal: AbortSignal): Promise<void> {
    const win = currentWindow(this.ctx.state, this.ctx.now());
    const q = {
      host: this.host,
      container: this.name,
      metrics: CONTAINER_VIEW_METRICS,
      from: win.from,
      to: win.to,
      maxPoints: this.ctx.maxPoints(),
      minmax: true,
    };
    const window = { host: this.host, container: this.name, from: win.from, to: win.to };
    const [hosts, series, events, summary] = await Promise.all([
      settle(fetchHosts({ host: this.host }, signal)),
      settle(fetchSeries(q, signal)),
      settle(fetchEvents({ ...window, limit: 1000 }, signal)),
      settle(fetchEventSummary(window, signal)),
    ]);
    rethrowFatal([hosts, series, events, summary]);
    if (!hosts.ok) throw hosts.error;
    this.ctx.setServerNow(hosts.value.now);
    const host = hosts.value.hosts.find((h) => h.name === this.host);
    const info = host?.containers.find((c) => c.name === this.name);
    if (host) this.interval = host.interval;
    this.renderHead(
      info,
      host?.online ?? false,
      hosts.value.now,
      summary.ok ? summary.value.containers[this.name] : undefined,
    );
    if (events.ok) {
      this.events.render(events.value.events, events.value.truncated, win.to - win.from);
      const marks = markersOf(events.value.events);
      for (const p of this.panels) p.setMarkers(marks);
    } else this.events.showError(failure(events.error));
    if (!series.ok) {
      this.msgEl.hidden = false;
      this.msgEl.textContent = failure(series.error);
      for (const p of this.panels) p.showNote(failure(series.error));
      return;
    }
    this.msgEl.hidden = true;
    const ds = mergeInto(undefined, series.value);
    this.step = ds.step;
    const limit = info?.latest.mem_limit_bytes;
    const total = host?.latest.mem_total_bytes;
    const next = specs(themeColors(), !(limit && total && limit >= 0.9 * total));
    this.panels.forEach((p, i) => {
      p.setHidden(offFor(this.ctx, p.spec.id));
      p.setData(ds, next[i]);
    });
  }

  private renderHead(
    c: ContainerInfo | undefined,
    hostOnline: boolean,
    now: number,
    events: ContainerEventSummary | undefined,
  ): void {
    const back = link(this.ctx.href({ view: 'host', host: this.host }), [this.host]);
    if (!c) {
      this.headEl.replaceChildren(
        el('h1', {}, [this.name]),
        facts([
          ['Host', back],
          ['Status', 'not seen in the last day; older history below if any'],
        ]),
      );
      this.labelsEl.hidden = true;
      return;
    }
    const state = c.running ? c.state : 'gone';
    const rows: [string, string | Node][] = [
      ['Host', el('span', {}, [back, ' ', statusBadge(hostOnline)])],
      [
        'State',
        el('span', {}, [
          el('span', { class: `badge ${c.running ? 'ok' : 'down'}` }, [state]),
          c.running ? '' : ` last seen ${formatAgo(now, c.last_seen)}`,
        ]),
      ],
      ['Image', c.image ?? 'unknown'],
      ['Docker id', c.id.slice(0, 12)],
      ['History', `${formatRange(c.first_seen, c.last_seen)} (kept across recreations under this name)`],
    ];
    if (c.compose_project)
      rows.push(['Compose', `${c.compose_project}${c.compose_service ? ` / ${c.compose_service}` : ''}`]);
    const badges = eventBadges(events);
    if (badges) rows.push(['Events', badges]);
    this.headEl.replaceChildren(el('h1', {}, [c.name]), facts(rows));
    const labels = Object.entries(c.labels).sort(([a], [b]) => a.localeCompare(b));
    this.labelsEl.hidden = labels.length === 0;
    this.labelsEl.replaceChildren(
      el('h3', {}, ['Labels']),
      el('div', { class: 'table-scroll' }, [
        el('table', { class: 'kv' }, [
          el(
            'tbody',
            {},
            labels.map(([k, v]) => el('tr', {}, [el('th', {}, [k]), el('td', {}, [v])])),
          ),
        ]),
      ]),
    );
  }

  applyToggles(): void {
    for (const p of this.panels) p.setHidden(offFor(this.ctx, p.spec.id));
  }

  preview(from: number, to: number): void {
    for (const p of this.panels) p.preview(from, to);
  }

  resize(): void {
    for (const p of this.panels) p.resize();
  }

  period(): number {
    return livePeriod(this.interval, this.step);
  }

  destroy(): void {
    for (const p of this.panels) p.destroy();
    this.el.remove();
  }
}
