// Fleet overview: one card per host with online/offline, current CPU, memory, disk, network,
// a sparkline over the selected range and its busiest containers. At fleet scale it asks for a
// page of host summaries at a time (offline hosts first), found by part of their name; a
// card's full container list is fetched when opened. With no host yet, the exact command that
// starts the first agent against this server; below, "Add a host".
import { fetchHosts, fetchHostSeries, type HostInfo, type HostSeriesResponse } from '../api.ts';
import { el, link, text } from '../dom.ts';
import { diskUsedPct, formatAgo, formatBits, formatBytes, formatBytesOf, formatLoad, formatPct } from '../format.ts';
import { baseWindow } from '../state.ts';
import type { HostMetric } from '../../protocol/metrics.ts';
import { Sparkline } from '../sparkline.ts';
import { AddHostPanel } from './add-host.ts';
import { AccessPanel } from './access-panel.ts';
import { isAdmin, session } from '../session.ts';
import { clockBadge, statusBadge } from './host.ts';
import { failure, rethrowFatal, settle, themeColors, type View, type ViewCtx } from './view.ts';

const SPARK_POINTS = 160;
/** Host cards a page shows, and how many more "Show more" adds. */
const PAGE_HOSTS = 60;
/** The sparkline's lines: CPU, and memory as a share of the total. */
const SPARK_METRICS = ['cpu_pct', 'mem_used_bytes', 'mem_total_bytes'] as const satisfies readonly HostMetric[];

function stat(label: string, value: string, sub?: string): HTMLElement {
  // The number reads large, its unit small, so "28.9 Mbit/s" fits a quarter of a card.
  const m = /^(\S+) (.+)$/.exec(value);
  const big = m ? el('b', {}, [m[1], el('small', {}, [` ${m[2]}`])]) : el('b', {}, [value]);
  return el('div', { class: 'stat' }, [
    el('span', { class: 'stat-label' }, [label]),
    big,
    sub ? el('span', { class: 'stat-sub' }, [sub]) : null,
  ]);
}

function share(used?: number, total?: number): string | undefined {
  return used !== undefined && total ? formatPct((used / total) * 100) : undefined;
}

function diskShare(l: HostInfo['latest']): string | undefined {
  const pct = diskUsedPct(l.fs_used_bytes, l.fs_total_bytes, l.fs_avail_bytes);
  return pct === null ? undefined : formatPct(pct);
}

class HostCard {
  readonly el: HTMLElement;
  private readonly body: HTMLElement;
  private readonly spark: Sparkline;
  private readonly sparkNote: HTMLElement;

  constructor(
    private readonly ctx: ViewCtx,
    readonly name: string,
  ) {
    const colors = themeColors();
    this.spark = new Sparkline([colors[0], colors[1]]);
    this.sparkNote = el('span', { class: 'spark-note' });
    this.body = el('div', { class: 'card-body' });
    this.el = el('article', { class: 'panel host-card', 'data-host': name }, [
      this.body,
      el('div', { class: 'spark-wrap' }, [
        this.spark.el,
        el('div', { class: 'spark-legend' }, [
          el('span', {}, [el('i', { class: 'swatch', style: `--c:${colors[0]}` }), 'CPU']),
          el('span', {}, [el('i', { class: 'swatch', style: `--c:${colors[1]}` }), 'memory']),
          this.sparkNote,
        ]),
      ]),
    ]);
  }

  render(h: HostInfo, now: number): void {
    const l = h.latest;
    const href = this.ctx.href({ view: 'host', host: h.name });
    // The summary lists the busiest running containers only; the counts are the host's own.
    const running = h.running_containers;
    const gone = h.gone_containers;
    const all = running + gone;
    const top = h.containers
      .filter((c) => c.running)
      .sort((a, b) => (b.latest.cpu_pct ?? 0) - (a.latest.cpu_pct ?? 0))
      .slice(0, 5);
    const na = '–';
    this.el.classList.toggle('offline', !h.online);
    this.body.replaceChildren(
      el('header', { class: 'card-head' }, [
        el('span', { class: `dot ${h.online ? 'ok' : 'down'}`, 'aria-hidden': 'true' }),
        el('h2', {}, [link(href, [h.name])]),
        h.online ? null : statusBadge(false),
        clockBadge(h.clock_offset),
        el('span', { class: 'muted seen' }, [
          h.online ? `reported ${formatAgo(now, h.last_seen)}` : `last seen ${formatAgo(now, h.last_seen)}`,
        ]),
      ]),
      el('div', { class: 'stats' }, [
        stat(
          'CPU',
          l.cpu_pct === undefined ? na : formatPct(l.cpu_pct),
          l.load1 === undefined ? undefined : `load ${formatLoad(l.load1)}`,
        ),
        stat(
          'Memory',
          share(l.mem_used_bytes, l.mem_total_bytes) ?? na,
          l.mem_used_bytes !== undefined && l.mem_total_bytes
            ? formatBytesOf(l.mem_used_bytes, l.mem_total_bytes)
            : undefined,
        ),
        stat(
          'Disk',
          diskShare(l) ?? na,
          l.fs_used_bytes !== undefined && l.fs_total_bytes
            ? formatBytesOf(l.fs_used_bytes, l.fs_total_bytes)
            : undefined,
        ),
        stat(
          'Net in',
          l.net_rx_bps === undefined ? na : formatBits(l.net_rx_bps * 8),
          l.net_tx_bps === undefined ? undefined : `out ${formatBits(l.net_tx_bps * 8).replace('bit/s', 'b/s')}`,
        ),
      ]),
      el('div', { class: 'card-containers' }, [
        el('div', { class: 'muted' }, [
          `${running} container${running === 1 ? '' : 's'} ${h.online ? 'running' : 'at the last report'}${gone ? `, ${gone} gone` : ''}`,
          h.compose_projects.length
            ? ` · ${h.compose_projects.length} compose project${h.compose_projects.length === 1 ? '' : 's'}`
            : '',
        ]),
        top.length
          ? el('table', { class: 'mini-table' }, [
              el(
                'tbody',
                {},
                top.map((c) =>
                  el('tr', {}, [
                    el('td', { class: 'name' }, [
                      link(this.ctx.href({ view: 'container', host: h.name, container: c.name }), [c.name]),
                    ]),
                    el('td', { class: 'num' }, [c.latest.cpu_pct === undefined ? na : formatPct(c.latest.cpu_pct)]),
                    el('td', { class: 'num' }, [
                      c.latest.mem_bytes === undefined ? na : formatBytes(c.latest.mem_bytes),
                    ]),
                  ]),
                ),
              ),
            ])
          : null,
        all > top.length ? this.allContainers(h, all) : null,
      ]),
    );
  }

  /** "All N containers": the list, fetched (the host whole) the first time it is opened. */
  private allContainers(h: HostInfo, all: number): HTMLElement {
    const list = el('ul', { class: 'all-containers' });
    const fill = (containers: HostInfo['containers']) =>
      list.replaceChildren(
        ...containers.map((c) =>
          el('li', {}, [
            link(this.ctx.href({ view: 'container', host: h.name, container: c.name }), [c.name]),
            ' ',
            el('span', { class: `state ${c.running ? 'ok' : 'down'}` }, [c.running ? c.state : 'gone']),
          ]),
        ),
      );
    const details = el('details', {}, [el('summary', {}, [`All ${all} containers`]), list]);
    if (h.containers_shown === 'all') fill(h.containers);
    else
      details.addEventListener(
        'toggle',
        () => {
          list.replaceChildren(el('li', { class: 'muted' }, ['loading…']));
          fetchHosts({ host: h.name }).then(
            (r) => fill(r.hosts[0]?.containers ?? []),
            (e: unknown) => list.replaceChildren(el('li', { class: 'muted' }, [failure(e)])),
          );
        },
        { once: true },
      );
    return details;
  }

  /** This host's sparkline from the overview's one answer for every host (or its failure). */
  setSpark(r: { ok: true; value: HostSeriesResponse } | { ok: false; error: unknown }, from: number, to: number): void {
    if (!r.ok) return void text(this.sparkNote, failure(r.error));
    text(this.sparkNote, '');
    const t = r.value.t;
    const series = r.value.hosts[this.name] ?? {};
    const used = series.mem_used_bytes ?? [];
    const total = series.mem_total_bytes ?? [];
    const mem = used.map((u, i) => (u === null || !total[i] ? null : (u / total[i]!) * 100));
    if (!(series.cpu_pct ?? []).some((v) => v !== null)) text(this.sparkNote, 'no data in this range');
    this.spark.setData(t, series.cpu_pct ?? [], mem, from, to);
  }

  resize(): void {
    this.spark.resize();
  }

  destroy(): void {
    this.spark.destroy();
  }
}

export class OverviewView implements View {
  readonly el: HTMLElement;
  private readonly grid: HTMLElement;
  private readonly summary: HTMLElement;
  private readonly empty: HTMLElement;
  private readonly addHost: AddHostPanel;
  private readonly search: HTMLInputElement;
  private readonly more: HTMLButtonElement;
  private cards = new Map<string, HostCard>();
  private interval = 10;
  private shown = PAGE_HOSTS;

  constructor(private readonly ctx: ViewCtx) {
    this.summary = el('p', { class: 'muted summary' });
    this.grid = el('div', { class: 'host-grid' });
    this.search = el('input', {
      type: 'search',
      class: 'host-search',
      placeholder: 'Find hosts by name',
      'aria-label': 'Find hosts by name',
      hidden: true,
    }) as HTMLInputElement;
    this.more = el('button', { type: 'button', class: 'mini show-more', hidden: true }, [
      'Show more hosts',
    ]) as HTMLButtonElement;
    // A search or "Show more" asks at once, not at the next live refresh; a newer ask cancels it.
    let asking: AbortController | undefined;
    const again = () => {
      asking?.abort();
      asking = new AbortController();
      this.refresh(asking.signal).catch(() => {});
    };
    let typing: ReturnType<typeof setTimeout> | undefined;
    this.search.addEventListener('input', () => {
      clearTimeout(typing);
      typing = setTimeout(() => {
        this.shown = PAGE_HOSTS;
        again();
      }, 250);
    });
    this.more.addEventListener('click', () => {
      this.shown += PAGE_HOSTS;
      again();
    });
    this.empty = el('section', { class: 'panel empty', hidden: true });
    this.addHost = new AddHostPanel(() => ctx.now());
    this.el = el('div', { class: 'view overview' }, [
      el('div', { class: 'view-head' }, [el('h1', {}, ['Fleet']), this.summary, this.search]),
      this.empty,
      this.grid,
      this.more,
      // Managing hosts and access is an admin's; a viewer is not shown it (the server refuses it anyway).
      session().user?.role === 'viewer' || session().share ? null : this.addHost.el,
      isAdmin() ? new AccessPanel(() => ctx.now()).el : null,
    ]);
  }

  async refresh(signal: AbortSignal): Promise<void> {
    const search = this.search.value.trim();
    const res = await fetchHosts({ search, limit: this.shown }, signal);
    this.ctx.setServerNow(res.now);
    const hosts = res.hosts;
    this.interval = Math.min(...hosts.map((h) => h.interval), 60);
    const none = hosts.length === 0 && !search;
    this.renderEmpty(none);
    this.addHost.fleetEmpty(none);
    // The search box once there is more than one page to look through.
    this.search.hidden = !search && res.total <= PAGE_HOSTS;
    this.more.hidden = hosts.length >= res.total;
    const running = hosts.reduce((n, h) => n + h.running_containers, 0);
    const matching = search ? ` matching "${search}"` : '';
    this.summary.textContent =
      res.total || search
        ? `${res.total} host${res.total === 1 ? '' : 's'}${matching}, ${res.online} online · ${
            hosts.length < res.total
              ? `showing ${hosts.length}, offline first`
              : `${running} container${running === 1 ? '' : 's'} running`
          }`
        : '';
    const seen = new Set<string>();
    const order: HTMLElement[] = [];
    for (const h of hosts) {
      seen.add(h.name);
      let card = this.cards.get(h.name);
      if (!card) {
        card = new HostCard(this.ctx, h.name);
        this.cards.set(h.name, card);
      }
      card.render(h, res.now);
      order.push(card.el);
    }
    for (const [name, card] of this.cards) {
      if (!seen.has(name)) {
        card.destroy();
        this.cards.delete(name);
      }
    }
    // Offline hosts first (the server's order): they are what an operator has to act on.
    this.grid.replaceChildren(...order);
    const win = baseWindow(this.ctx.state.range, res.now);
    if (hosts.length === 0) return;
    // One request for every card's sparkline, not one per host.
    const sparks = await settle(
      fetchHostSeries(
        {
          hosts: hosts.map((h) => h.name),
          metrics: SPARK_METRICS,
          from: win.from,
          to: win.to,
          maxPoints: SPARK_POINTS,
          digits: 4,
        },
        signal,
      ),
    );
    rethrowFatal([sparks]);
    for (const card of this.cards.values()) card.setSpark(sparks, win.from, win.to);
    this.resize();
  }

  private renderEmpty(show: boolean): void {
    this.empty.hidden = !show;
    if (!show || this.empty.childElementCount) return;
    const cmd = `BERTH_TOKEN=<TOKEN> npm run agent -- --server ${location.origin}`;
    const code = el('code', {}, [cmd]);
    const copy = el('button', { type: 'button', class: 'mini' }, ['Copy']);
    copy.addEventListener('click', () => {
      void navigator.clipboard?.writeText(cmd).then(
        () => (copy.textContent = 'Copied'),
        () => window.getSelection()?.selectAllChildren(code),
      );
    });
    this.empty.append(
      el('h2', {}, ['No host has reported yet']),
      el('p', {}, ['Start an agent on each machine you want to watch. From a checkout of Berth on that machine:']),
      el('pre', { class: 'cmd' }, [code, copy]),
      el('p', { class: 'muted' }, [
        'Replace ',
        el('code', {}, ['<TOKEN>']),
        " with this server's ingest token: the one ",
        el('code', {}, ['npm start']),
        ' printed (kept in ',
        el('code', {}, ['data/token']),
        '), one the server was started with (',
        el('code', {}, ['--token']),
        '), or a per-host token from ',
        el('code', {}, ['npm run server -- token add HOST']),
        '.',
      ]),
      el('p', { class: 'muted' }, [
        'The agent reports every 10 seconds; the host appears here with its first report. Without a checkout, use the one-line install under "Add a host".',
      ]),
    );
  }

  applyToggles(): void {}
  preview(): void {}

  resize(): void {
    for (const c of this.cards.values()) c.resize();
  }

  period(): number {
    return Math.max(5, this.interval);
  }

  destroy(): void {
    for (const c of this.cards.values()) c.destroy();
    this.el.remove();
  }
}
