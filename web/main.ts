// The page's entry: asks who is looking and sends the first queries of a host view at once,
// then loads the rest of the page (uPlot, the views, the controller in page.ts). In one bundle
// those would be evaluated first, and a cold load's first ~100 ms of script would pass before
// any query went out.
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { currentWindow, maxPointsFor, parseState } from './state.ts';
import { sendHostQueries } from './views/host-queries.ts';
import { loadSession } from './session.ts';
import type { FirstLoad } from './page.ts';

// First of all: every view waits for it, and asked after the data queries it would wait for a
// free connection (six per server) and then behind them at the server. The HTML preloads it.
const session = loadSession();
const state = parseState(location.pathname, location.search);
let first: FirstLoad | undefined;
if (state.route.view === 'host') {
  const controller = new AbortController();
  // As the page would ask before its first layout: the window's width, the browser's clock.
  const q = {
    win: currentWindow(state, Math.floor(Date.now() / 1000)),
    maxPoints: maxPointsFor(Math.min(1800, innerWidth)),
    rank: state.rank,
    allContainers: true,
  };
  first = { controller, host: sendHostQueries(state.route.host, q, controller.signal) };
}
// Another view's script (page.ts imports it when it mounts the view) comes beside the page's,
// not after it; a failure shows when page.ts imports it.
const view = state.route.view;
if (view === 'overview') import('./views/overview.ts').catch(() => {});
else if (view === 'container') import('./views/container.ts').catch(() => {});
else if (view === 'alerts') import('./views/alerts.ts').catch(() => {});
const root = document.getElementById('app') ?? document.body;
import('./page.ts').then(
  (page) => page.startPage(root, session, first),
  // A page built since this one was served has other file names: a reload gets them.
  () => (root.textContent = 'Berth could not load its page script; reload to try again.'),
);
