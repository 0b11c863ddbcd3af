// The page's controller: reads the state from the URL, mounts the view it names, keeps the
// URL in step with every change (range, zoom, toggles), refreshes live ranges on their own,
// and when the server is unreachable says so and retries until it is back. Loaded by main.ts.
import { ApiError, fetchForwarding, isAbort } from './api.ts';
import { chartsBuilt } from './charts.ts';
import { el, link } from './dom.ts';
import { isolate, zoneLabel } from './format.ts';
import {
  currentWindow,
  isLive,
  maxPointsFor,
  parseState,
  routePath,
  stateUrl,
  type RankMetric,
  type Route,
  type ViewState,
} from './state.ts';
import { HostView } from './views/host.ts';
import type { HostQueries } from './views/host-queries.ts';
import { forwardingSummary } from './views/forwarding.ts';
import { TimeBar } from './views/timebar.ts';
import type { View, ViewCtx } from './views/view.ts';
import { mayRead, session } from './session.ts';
import { signOut, signOutEverywhere } from './api.ts';

const darkQuery = matchMedia('(prefers-color-scheme: dark)');

/** A first load's queries, sent by main.ts for the view in the URL, and their controller. */
export interface FirstLoad {
  controller: AbortController;
  host: HostQueries;
}

class Page implements ViewCtx {
  state: ViewState = parseState(location.pathname, location.search);
  private view: View | null = null;
  private controller: AbortController | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private failures = 0;
  private clockOffset = 0;
  private loads = 0;
  /** Mounts so far: a view whose script arrives after a later mount is dropped. */
  private mounts = 0;
  private lastLoad = 0;
  /** main's width as last laid out (0 until the first layout). */
  private mainWidth = 0;
  private readonly main = el('main', { id: 'view' });
  private readonly crumbs = el('nav', { class: 'crumbs', 'aria-label': 'Where you are' });
  private readonly banner = el('div', { class: 'banner', role: 'alert', hidden: true });
  private readonly timebar = new TimeBar({
    preset: (preset) => this.change({ range: { preset }, zoom: [] }, 'push', true),
    custom: (from, to) => this.change({ range: { from, to }, zoom: [] }, 'push', true),
    unzoom: () => this.unzoom(),
    resetZoom: () => this.change({ zoom: [] }, 'push', true),
    refresh: (refresh) => {
      this.change({ refresh }, 'replace', false);
      this.schedule();
    },
  });

  constructor(private first?: FirstLoad) {}

  start(root: HTMLElement): void {
    const brand = link('/', [el('span', { class: 'logo', 'aria-hidden': 'true' }), 'Berth'], { class: 'brand' });
    brand.addEventListener('click', (e) => this.follow(e, this.href({ view: 'overview' })));
    root.append(
      el('header', { class: 'top' }, [
        el('div', { class: 'top-row' }, [brand, this.crumbs, whoBar()]),
        this.timebar.el,
      ]),
      this.banner,
      this.main,
      el('footer', {}, [`Times in ${zoneLabel()}. Drag across a chart to zoom in, double-click or Esc to step back.`]),
    );
    document.addEventListener('click', (e) => {
      const a = (e.target as Element).closest?.('a[data-nav]');
      if (a instanceof HTMLAnchorElement && a !== brand) this.follow(e, a.getAttribute('href') ?? '/');
    });
    addEventListener('popstate', () => {
      const next = parseState(location.pathname, location.search);
      const remount = routePath(next.route) !== routePath(this.state.route);
      this.state = next;
      if (remount) this.mount();
      else {
        this.timebar.render(this.state, this.now());
        this.view?.applyToggles();
        void this.load();
      }
    });
    addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.state.zoom.length && !(e.target instanceof HTMLInputElement)) this.unzoom();
    });
    // Charts follow their boxes: window resizes, phone rotation, a scrollbar appearing.
    let pending = 0;
    new ResizeObserver(() => {
      // Read here, where the layout is fresh anyway; maxPoints() must not force one.
      this.mainWidth = this.main.clientWidth;
      cancelAnimationFrame(pending);
      pending = requestAnimationFrame(() => this.view?.resize());
    }).observe(this.main);
    document.addEventListener('visibilitychange', () => {
      // Hidden tabs do not poll; coming back refreshes at once if the data is stale.
      if (!document.hidden && isLive(this.state) && Date.now() - this.lastLoad > 5000) void this.load();
    });
    // The theme's colours are baked into the charts: rebuild them when the system flips.
    darkQuery.addEventListener('change', () => this.mount());
    this.mount();
  }

  // ---- ViewCtx ----
  now(): number {
    return Math.floor(Date.now() / 1000 + this.clockOffset);
  }
  setServerNow(now: number): void {
    this.clockOffset = now - Date.now() / 1000;
  }
  maxPoints(): number {
    // Before the first layout, the window's width (main is at most 1800 px): reading main's
    // own width then would force that layout before the first query could be sent.
    return maxPointsFor(this.mainWidth || Math.min(1800, innerWidth));
  }
  href(route: Route): string {
    return stateUrl({ ...this.state, route, zoom: [], hidden: [], off: [] });
  }
  dark(): boolean {
    return darkQuery.matches;
  }
  zoom(from: number, to: number): void {
    const last = this.state.zoom[this.state.zoom.length - 1];
    if (last && last[0] === from && last[1] === to) return;
    this.change({ zoom: [...this.state.zoom, [from, to]] }, 'push', false);
    this.view?.preview(from, to);
    void this.load();
  }
  unzoom(): void {
    if (!this.state.zoom.length) return;
    this.change({ zoom: this.state.zoom.slice(0, -1) }, 'push', false);
    const w = currentWindow(this.state, this.now());
    this.view?.preview(w.from, w.to);
    void this.load();
  }
  setHidden(hidden: string[]): void {
    this.change({ hidden }, 'replace', false);
    this.view?.applyToggles();
  }
  setOff(off: string[]): void {
    this.change({ off }, 'replace', false);
  }
  setRank(rank: RankMetric): void {
    this.change({ rank }, 'replace', true);
  }

  // ---- state, navigation ----
  private change(patch: Partial<ViewState>, how: 'push' | 'replace', reload: boolean): void {
    this.state = { ...this.state, ...patch };
    const url = stateUrl(this.state);
    if (url !== location.pathname + location.search)
      history[how === 'push' ? 'pushState' : 'replaceState'](null, '', url);
    this.timebar.render(this.state, this.now());
    if (reload) void this.load();
  }

  private follow(e: MouseEvent, href: string): void {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    const u = new URL(href, location.href);
    history.pushState(null, '', u.pathname + u.search);
    this.state = parseState(u.pathname, u.search);
    this.mount();
    scrollTo(0, 0);
  }

  private mount(): void {
    this.controller?.abort();
    clearTimeout(this.timer);
    this.view?.destroy();
    this.view = null;
    const mounting = ++this.mounts;
    const r = this.state.route;
    const first = this.first;
    this.first = undefined;
    const made = makeView(this, r, first?.host);
    const show = (view: View) => {
      // Navigated on while its script loaded: a later mount shows its own view.
      if (mounting !== this.mounts) return view.destroy();
      this.view = view;
      this.main.replaceChildren(view.el);
      void this.load(first?.controller);
    };
    if (made instanceof Promise)
      made.then(show, () => {
        if (mounting !== this.mounts) return;
        // A page built since this one was served has other file names: a reload gets them.
        this.main.replaceChildren(
          el('p', { class: 'section-msg error' }, ['Berth could not load this view; reload to try again.']),
        );
      });
    else show(made);
    document.title =
      r.view === 'overview'
        ? 'Berth'
        : r.view === 'alerts'
          ? 'Alerts — Berth'
          : `${r.view === 'host' ? isolate(r.host) : `${isolate(r.container)} on ${isolate(r.host)}`} — Berth`;
    // A share link shows its one host: no way to the fleet or the alerts (the server refuses them anyway).
    const shared = session().share !== null;
    const crumbs: (Node | string)[] = shared ? [] : [link(this.href({ view: 'overview' }), ['Fleet'])];
    if (shared) crumbs.push(el('span', { class: 'sep' }, ['Shared view']));
    else if (r.view === 'alerts') crumbs.push(el('span', { class: 'sep' }, ['›']), el('span', {}, ['Alerts']));
    else crumbs.push(el('span', { class: 'sep' }, ['·']), link(this.href({ view: 'alerts' }), ['Alerts']));
    if (r.view === 'host' || r.view === 'container')
      crumbs.push(
        el('span', { class: 'sep' }, ['›']),
        r.view === 'host' ? el('span', {}, [r.host]) : link(this.href({ view: 'host', host: r.host }), [r.host]),
      );
    if (r.view === 'container') crumbs.push(el('span', { class: 'sep' }, ['›']), el('span', {}, [r.container]));
    this.crumbs.replaceChildren(...crumbs);
    this.timebar.render(this.state, this.now());
  }

  /** Refreshes the view; `c` when its queries went out under that controller already. */
  private async load(c = new AbortController()): Promise<void> {
    clearTimeout(this.timer);
    this.controller?.abort();
    this.controller = c;
    const view = this.view;
    // Its script is still loading: the mount loads it when it is there.
    if (!view) return;
    if (this.failures === 0) this.timebar.status('loading', 'Loading…');
    // Beside the view's queries, never holding them up; a failure leaves the last word shown.
    void fetchForwarding(c.signal).then(
      (a) => c === this.controller && this.timebar.forwarding(forwardingSummary(a.forwarding)),
      () => {},
    );
    // Charts draw in a microtask after setData; one frame later they are on screen.
    const frame = () => new Promise((r) => requestAnimationFrame(r));
    const first = this.loads === 0;
    let inView = false;
    const markInView = () => {
      if (inView) return;
      inView = true;
      // Read by the bench: the charts in view are drawn (the first load's moment only).
      if (first) performance.mark('berth:in-view');
      document.documentElement.dataset.inView = String(this.loads + 1);
    };
    try {
      await view.refresh(c.signal, () => {
        if (!inView) void frame().then(() => c === this.controller && markInView());
      });
      if (c !== this.controller) return;
      // Charts below the fold are built in the task after those in view (charts.ts).
      await chartsBuilt();
      await frame();
      if (c !== this.controller) return;
      markInView();
      this.failures = 0;
      this.banner.hidden = true;
      this.lastLoad = Date.now();
      this.loads++;
      if (first) performance.mark('berth:drawn');
      document.documentElement.dataset.ready = String(this.loads);
      this.showStatus();
    } catch (e) {
      if (isAbort(e) || c !== this.controller) return;
      this.failures++;
      const wait = this.retryDelay();
      const what =
        e instanceof ApiError && e.unreachable
          ? `Cannot reach the Berth server (${e.message}).`
          : `The server answered with an error: ${e instanceof Error ? e.message : String(e)}.`;
      const retry = el('button', { type: 'button', class: 'mini' }, ['Retry now']);
      retry.addEventListener('click', () => void this.load());
      this.banner.replaceChildren(
        el('strong', {}, [what]),
        ` Showing the last data received; retrying in ${wait} s. `,
        retry,
      );
      // A single blip is retried at once without alarming anyone; a second failure is news.
      this.banner.hidden = this.failures < 2;
      if (this.failures >= 2) this.timebar.status('error', 'Offline');
    } finally {
      if (c === this.controller) this.schedule();
    }
  }

  /** Seconds before retrying: at once for a blip (Chromium drops requests when a network
   *  interface changes), then backing off to 15 s while the server stays away. */
  private retryDelay(): number {
    return [0.5, 2, 4, 8][this.failures - 1] ?? 15;
  }

  private showStatus(): void {
    const w = currentWindow(this.state, this.now());
    if (!isLive(this.state)) this.timebar.status('fixed', 'preset' in this.state.range ? 'Paused' : 'Fixed range');
    else this.timebar.status('live', w.zoomed ? 'Live (zoomed)' : 'Live');
  }

  private schedule(): void {
    clearTimeout(this.timer);
    let seconds: number | undefined;
    if (this.failures > 0) seconds = this.retryDelay();
    else if (isLive(this.state) && !document.hidden) seconds = this.state.refresh ?? this.view?.period() ?? 10;
    if (seconds !== undefined) this.timer = setTimeout(() => void this.load(), seconds * 1000);
    else if (!this.failures) this.showStatus();
  }
}

// Exposed for tests and benches: what the page currently shows.
declare global {
  interface Window {
    berth?: { state(): ViewState; window(): { from: number; to: number } };
  }
}
/** Who is looking, and the ways out: signed in as whom (sign out), or open reading (sign in). */
function whoBar(): HTMLElement {
  const s = session();
  const bar = el('div', { class: 'who' });
  if (s.user) {
    const out = el('button', { type: 'button', class: 'mini sign-out' }, ['Sign out']);
    out.addEventListener('click', () => void signOut().finally(() => location.replace('/')));
    const everywhere = el('button', { type: 'button', class: 'mini', title: 'End every session of yours' }, [
      'Sign out everywhere',
    ]);
    everywhere.addEventListener('click', () => void signOutEverywhere().finally(() => location.replace('/')));
    bar.append(
      el('span', { class: 'user' }, [s.user.name, ' ', el('span', { class: 'role' }, [`(${s.user.role})`])]),
      out,
      everywhere,
    );
  } else if (s.share) {
    bar.append(el('span', { class: 'shared-note' }, [`Shared read-only view of ${s.share.host}`]));
  } else if (s.publicRead) {
    bar.append(
      el('span', { class: 'public-note' }, ['Public read-only: anyone who reaches this server sees this. ']),
      el('a', { href: '/sign-in' }, ['Sign in']),
    );
  }
  return bar;
}

/**
 * The view for a route. The host view, the one most loads open, comes with the page; the
 * others are scripts of their own, fetched when first shown, so a host view's first load
 * neither downloads nor evaluates them.
 */
function makeView(ctx: ViewCtx, r: Route, first?: HostQueries): View | Promise<View> {
  switch (r.view) {
    case 'host':
      return new HostView(ctx, r.host, first);
    case 'container':
      return import('./views/container.ts').then((m) => new m.ContainerView(ctx, r.host, r.container));
    case 'alerts':
      return import('./views/alerts.ts').then((m) => new m.AlertsView(ctx));
    default:
      return import('./views/overview.ts').then((m) => new m.OverviewView(ctx));
  }
}

/**
 * Starts the page in `root` once `sessionRead` (loadSession(), sent by main.ts) is in; `first`
 * carries the queries main.ts sent for the URL's view.
 */
export function startPage(root: HTMLElement, sessionRead: Promise<unknown>, first?: FirstLoad): void {
  sessionRead.then(
    () => {
      if (!mayRead() || location.pathname === '/setup' || location.pathname === '/sign-in') {
        first?.controller.abort();
        document.title = 'Sign in — Berth';
        void import('./views/sign-in.ts').then(
          (m) => root.replaceChildren(m.signInView(session())),
          () => (root.textContent = 'Berth could not load its sign-in page; reload to try again.'),
        );
        return;
      }
      // A share link shows its one host (and that host's containers): anywhere else goes there.
      const share = session().share;
      if (share) {
        const r = parseState(location.pathname, location.search).route;
        if (!('host' in r) || r.host !== share.host) {
          first?.controller.abort();
          first = undefined;
          history.replaceState(null, '', routePath({ view: 'host', host: share.host }));
        }
      }
      run(root, first);
    },
    () => (root.textContent = 'Berth cannot reach its server; reload to try again.'),
  );
}

function run(root: HTMLElement, first?: FirstLoad): void {
  const page = new Page(first);
  window.berth = {
    state: () => page.state,
    window: () => {
      const w = currentWindow(page.state, page.now());
      return { from: w.from, to: w.to };
    },
  };
  page.start(root);
}
