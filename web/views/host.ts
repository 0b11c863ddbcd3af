// Host view: the host's facts, its own charts (CPU, load, memory, network, disks, file
// systems), IPVS, ARP and plugin charts when it reports them (host-extras.ts) and its
// containers' charts, all on one synchronized cursor and one time window.
import type { HostInfo } from '../api.ts';
import { ChartPanel, type ChartSpec } from '../charts.ts';
import { el } from '../dom.ts';
import { formatAgo, formatBytes, formatClockOffset, formatDuration } from '../format.ts';
import { currentWindow } from '../state.ts';
import { ContainersSection } from './containers.ts';
import { hostSpecs } from './host-charts.ts';
import { sendHostQueries, type HostQueries } from './host-queries.ts';
import { HostExtras } from './host-extras.ts';
import { TopProcesses } from './processes.ts';
import {
  afterPaint,
  chartEvents,
  livePeriod,
  offFor,
  settle,
  rethrowFatal,
  themeColors,
  type View,
  type ViewCtx,
} from './view.ts';

export function statusBadge(online: boolean): HTMLElement {
  return el('span', { class: `badge ${online ? 'ok' : 'down'}` }, [online ? 'online' : 'offline']);
}

/** A mark for a host whose clock is off the server's (its lines are drawn early or late), or null. */
export function clockBadge(offset: number | null): HTMLElement | null {
  const said = formatClockOffset(offset);
  return said
    ? el(
        'span',
        {
          class: 'badge clock-off',
          title: `This host's clock is ${offset! > 0 ? 'ahead of' : 'behind'} the server's by ${offset! > 0 ? offset : -offset!} s: its samples are stored as its clock stamped them, so its lines are drawn that much ${offset! > 0 ? 'late' : 'early'}. Check NTP on the host.`,
        },
        [said],
      )
    : null;
}

export function facts(rows: [string, string | Node][]): HTMLElement {
  return el(
    'dl',
    { class: 'facts' },
    rows.map(([k, v]) => el('div', {}, [el('dt', {}, [k]), el('dd', {}, [v])])),
  );
}

export class HostView implements View {
  readonly el: HTMLElement;
  private readonly headEl: HTMLElement;
  private readonly grid: HTMLElement;
  private readonly msgEl: HTMLElement;
  private panels = new Map<string, ChartPanel>();
  private containers: ContainersSection;
  private readonly extras: HostExtras;
  private readonly processes: TopProcesses;
  private interval = 10;
  private step = 10;

  /** The first refresh's queries, when main.ts sent them. */
  constructor(
    private readonly ctx: ViewCtx,
    private readonly host: string,
    private first?: HostQueries,
  ) {
    this.headEl = el('div', { class: 'view-head' }, [el('h1', {}, [host])]);
    this.msgEl = el('p', { class: 'section-msg error', hidden: true });
    this.grid = el('div', { class: 'chart-grid' });
    this.containers = new ContainersSection(ctx, host);
    this.extras = new HostExtras(ctx, host);
    this.processes = new TopProcesses(host);
    this.el = el('div', { class: 'view host-view' }, [
      this.headEl,
      this.msgEl,
      el('section', { class: 'host-charts' }, [this.grid]),
      this.processes.el,
      this.extras.el,
      this.containers.el,
    ]);
  }

  async refresh(signal: AbortSignal, inView?: () => void): Promise<void> {
    // A first load's queries went out before the page was evaluated (main.ts); later ones now.
    const q =
      this.first ??
      sendHostQueries(
        this.host,
        {
          win: currentWindow(this.ctx.state, this.ctx.now()),
          maxPoints: this.ctx.maxPoints(),
          rank: this.ctx.state.rank,
          allContainers: this.containers.wantsAll(),
        },
        signal,
      );
    this.first = undefined;
    this.extras.prefetch();
    const { win, maxPoints: mp } = q;
    const hosts = await q.hosts;
    rethrowFatal([hosts]);
    if (!hosts.ok) throw hosts.error;
    this.ctx.setServerNow(hosts.value.now);
    const info = hosts.value.hosts.find((h) => h.name === this.host);
    if (!info) {
      this.msgEl.hidden = false;
      this.msgEl.textContent = `No host named "${this.host}" has reported to this server.`;
      return;
    }
    this.msgEl.hidden = true;
    this.interval = info.interval;
    this.renderHead(info, hosts.value.now);
    // The containers' part (below the fold) draws when its answers are in and the host's own
    // charts, at the top, are on screen: their drawing would otherwise wait behind it.
    let hostDrawn!: () => void;
    const hostPainted = new Promise<void>((resolve) => (hostDrawn = resolve));
    const containersP = settle(this.containers.refresh(info, q, signal, hostPainted));
    const empty =
      info.last_seen < win.from
        ? `No data in this range: the host last reported ${formatAgo(hosts.value.now, info.last_seen)}`
        : undefined;
    const extrasP = settle(this.extras.refresh(win, mp, empty, signal));
    // The processes of the window's end (or of the cursor's moment); a failure shows in its table.
    void this.processes.refresh(win.to);
    const data = await q.data;
    // Whatever the host's answer, the containers' part need not wait longer than this frame.
    void afterPaint().then(hostDrawn);
    rethrowFatal([data]);
    if (data.ok) {
      const d = data.value;
      if (d.ds) this.step = d.ds.step;
      const specs = hostSpecs(d, themeColors());
      for (const spec of specs) {
        const panel = this.panel(spec);
        panel.setHidden(offFor(this.ctx, spec.id));
        if (d.ds) panel.setData(d.ds, spec, empty);
        const error = d.errors[spec.id];
        if (error) panel.showNote(error);
        else if (!d.ds) panel.showNote(empty ?? 'No data in this range', false);
      }
    }
    inView?.();
    const [c, x] = await Promise.all([containersP, extrasP]);
    rethrowFatal([c, x]);
    if (!c.ok) throw c.error;
    if (!x.ok) throw x.error;
  }

  private panel(spec: ChartSpec): ChartPanel {
    let p = this.panels.get(spec.id);
    if (!p) {
      p = new ChartPanel(this.grid, spec, chartEvents(this.ctx));
      this.panels.set(spec.id, p);
    }
    return p;
  }

  private renderHead(h: HostInfo, now: number): void {
    const l = h.latest;
    const rows: [string, string | Node][] = [
      [
        'Status',
        el('span', {}, [
          statusBadge(h.online),
          ` last report ${formatAgo(now, h.last_seen)}`,
          ...(clockBadge(h.clock_offset) ? [' ', clockBadge(h.clock_offset)!] : []),
        ]),
      ],
      ['Agent', `${h.agent_version ?? 'unknown version'}, every ${h.interval} s`],
    ];
    if (l.mem_total_bytes) rows.push(['Memory', formatBytes(l.mem_total_bytes)]);
    if (l.fs_total_bytes) rows.push(['Disk', formatBytes(l.fs_total_bytes)]);
    if (l.uptime_seconds) rows.push(['Up', formatDuration(l.uptime_seconds)]);
    if (h.compose_projects.length)
      rows.push([
        'Compose',
        el(
          'span',
          {},
          h.compose_projects.flatMap((p, i) => [i ? ', ' : '', el('bdi', {}, [p])]),
        ),
      ]);
    this.headEl.replaceChildren(el('h1', {}, [h.name]), facts(rows));
  }

  applyToggles(): void {
    for (const [id, p] of this.panels) p.setHidden(offFor(this.ctx, id));
    this.extras.applyToggles();
    this.containers.applyToggles();
  }

  preview(from: number, to: number): void {
    for (const p of this.panels.values()) p.preview(from, to);
    this.extras.preview(from, to);
    this.containers.preview(from, to);
  }

  resize(): void {
    for (const p of this.panels.values()) p.resize();
    this.extras.resize();
    this.containers.resize();
  }

  period(): number {
    return livePeriod(this.interval, this.step);
  }

  destroy(): void {
    for (const p of this.panels.values()) p.destroy();
    this.extras.destroy();
    this.processes.destroy();
    this.containers.destroy();
    this.el.remove();
  }
}
