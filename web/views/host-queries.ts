// The host view's queries for one refresh, sent together in one task: none of them waits for
// the host list, which on a first load arrives only after the page's first style and layout.
// Free of uPlot and the DOM, so main.ts sends a first load's before the page is evaluated.
import {
  fetchContainerSeries,
  fetchEvents,
  fetchEventSummary,
  fetchHosts,
  fetchTop,
  type ContainerSeriesResponse,
  type EventsResponse,
  type EventSummaryResponse,
  type HostsResponse,
  type TopResponse,
} from '../api.ts';
import { CONTAINER_CHARTS, type ContainerChartDef, type RankMetric } from '../../protocol/metrics.ts';
import type { Window } from '../state.ts';
import { CHART_DIGITS } from '../chart-data.ts';
import { fetchHostData, type HostData } from './host-charts.ts';
import { settle, type Settled } from './view.ts';

/** The container charts drawn on the host view, a line per container (limits left out). */
export const PER_CONTAINER_CHARTS: readonly ContainerChartDef[] = CONTAINER_CHARTS.filter((c) => c.perContainer).map(
  (c) => ({ ...c, lines: c.lines.filter((l) => l.role !== 'limit') }),
);
/** What the per-container charts draw, one column each per container. */
export const CONTAINER_METRICS = PER_CONTAINER_CHARTS.flatMap((c) => c.lines.map((l) => l.metric));

export interface HostQueries {
  win: Window;
  maxPoints: number;
  rank: RankMetric;
  hosts: Promise<Settled<HostsResponse>>;
  data: Promise<Settled<HostData>>;
  top: Promise<Settled<TopResponse>>;
  /** The host's container events in the window (marks on the container charts, the list). */
  events: Promise<Settled<EventsResponse>>;
  /** Each container's restarts and last exit in the window (its legend entry). */
  summary: Promise<Settled<EventSummaryResponse>>;
  /**
   * Every container's lines as containers=* (the server's "seen in the range", the list the
   * host answer gives), sent when the last list fitted in the charts or on a first load.
   */
  allContainers?: { answer: Promise<Settled<ContainerSeriesResponse>>; abort(): void };
}

export function sendHostQueries(
  host: string,
  q: { win: Window; maxPoints: number; rank: RankMetric; allContainers: boolean },
  signal: AbortSignal,
): HostQueries {
  const { win, maxPoints, rank } = q;
  // One server thread works through them about in the order sent: the charts' data first.
  const hosts = settle(fetchHosts({ host }, signal));
  const data = settle(fetchHostData(host, win, maxPoints, signal));
  let allContainers: HostQueries['allContainers'];
  if (q.allContainers) {
    const own = new AbortController();
    const query = { host, metrics: CONTAINER_METRICS, from: win.from, to: win.to, maxPoints, digits: CHART_DIGITS };
    allContainers = {
      abort: () => own.abort(),
      answer: settle(fetchContainerSeries(query, AbortSignal.any([signal, own.signal]))),
    };
  }
  const top = settle(fetchTop({ host, metric: rank, from: win.from, to: win.to, limit: 10 }, signal));
  const window = { host, from: win.from, to: win.to };
  const events = settle(fetchEvents({ ...window, limit: 1000 }, signal));
  const summary = settle(fetchEventSummary(window, signal));
  return { win, maxPoints, rank, hosts, data, top, allContainers, events, summary };
}
