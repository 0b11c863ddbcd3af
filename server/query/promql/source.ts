// The read routes answered from a Prometheus query API (--read-from): every Berth server that
// remote-writes there appears as if this server stored it. Names and labels are the ones
// remote-write sends (protocol/prometheus.ts), read back the other way. Charts use the tier
// and step SQLite would (rollup/tiers.ts chooseTier), each bucket the engine's
// avg/min/max_over_time of exactly the samples SQLite's bucket holds (promql.ts).
//
// What the engine cannot say cheaply is approximated, and said here: a host's first sighting is
// searched within HOSTS_WINDOW, a container's within GONE_WINDOW; a container is found by its
// name (not by a Docker id prefix); a host's last sighting is its newest sample's time (no
// server receive time exists there).
import { HTTPException } from 'hono/http-exception';
import { unitOf } from '../../../protocol/metrics.ts';
import {
  CUSTOM_PREFIX,
  PROM_CONTAINER,
  PROM_HOST,
  PROM_INFO,
  PROM_SERIES,
  sanitizeLabelName,
  seriesPromName,
} from '../../../protocol/prometheus.ts';
import { seriesColumnKey } from '../../../protocol/series-key.ts';
import { chooseTier } from '../../rollup/tiers.ts';
import { timeGrid } from '../columns.ts';
import { roundSignificant } from '../round.ts';
import { MAX_CATALOG_SERIES } from '../params.ts';
import { isOnline } from '../../routes/hosts.ts';
import type { Labels, MatrixSeries, PromClient, VectorSample } from './client.ts';
import { aggregate, anyOf, bucketQuery, liveQuery, selector, splitGrid, toColumn, type BucketFn } from './promql.ts';
import type {
  CatalogAnswer,
  ContainerInfo,
  ContainerSeriesAnswer,
  HostSeriesAnswer,
  SeriesAnswer,
  ContainerSeriesQuery,
  HostInfo,
  HostSeriesQuery,
  HostsAnswer,
  QuerySource,
  SeriesQuery,
  TopAnswer,
  TopQuery,
} from '../source.ts';

/** Hosts listed: those that reported within this long. */
const HOSTS_WINDOW = 7 * 86_400;
/** Containers listed: those seen within this long of their host's newest sample (as SQLite's list). */
const GONE_WINDOW = 86_400;
/** Host intervals are asked again after this long. */
const HOSTS_TTL_MS = 15_000;
const DEFAULT_INTERVAL = 10;

const hostNames = [...PROM_HOST.values()].map((m) => m.prom);
const containerNames = [...PROM_CONTAINER.values()].map((m) => m.prom);
const byProm = (table: Map<string, { prom: string }>) => new Map([...table].map(([name, m]) => [m.prom, name]));
const hostByProm = byProm(PROM_HOST);
const containerByProm = byProm(PROM_CONTAINER);
const seriesByProm = byProm(PROM_SERIES);
const entityNames = new Set([...hostNames, ...containerNames, ...Object.values(PROM_INFO).map((i) => i.prom)]);

const num = (s: VectorSample) => Number(s.value[1]);
/** A series' identity without its name (functions drop it on some engines and keep it on others). */
const labelKey = (m: Labels) =>
  JSON.stringify(
    Object.entries(m)
      .filter(([k]) => k !== '__name__')
      .sort(),
  );
const nameMatcher = (names: string[]) => `{__name__=~"${anyOf(names)}"}`;

/** A Berth series name from its Prometheus name (a custom one as sanitised: `.` and `-` became `_`). */
export function seriesNameOf(prom: string): string | undefined {
  const known = seriesByProm.get(prom);
  if (known) return known;
  return prom.startsWith(CUSTOM_PREFIX) ? prom.slice(CUSTOM_PREFIX.length) : undefined;
}

/** A series' Berth labels from its Prometheus labels: without name and host; exported_* back to what it was. */
export function berthLabels(metric: Labels): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(metric)) {
    if (k === '__name__' || k === 'host') continue;
    const name = k === 'exported_host' ? 'host' : k === 'exported_container' ? 'container' : k;
    out[name] = v;
  }
  return out;
}

/** Fills `into`'s nulls from `from` (one entity's metric split over label sets, e.g. a new image). */
function merge(into: (number | null)[], from: (number | null)[]): void {
  for (let i = 0; i < into.length; i++) if (into[i] === null) into[i] = from[i];
}

export class PromqlSource implements QuerySource {
  private known: { at: number; hosts: Promise<Map<string, number>> } | undefined;

  constructor(
    private readonly client: PromClient,
    private readonly clockMs: () => number = Date.now,
  ) {}

  /** Every host that reported within HOSTS_WINDOW, with its interval (kept a few seconds). */
  private hostIntervals(now: number): Promise<Map<string, number>> {
    const at = this.clockMs();
    if (this.known && at - this.known.at < HOSTS_TTL_MS) return this.known.hosts;
    const hosts = (async () => {
      const [list, intervals] = await Promise.all([
        this.client.series(PROM_INFO.interval.prom, now - HOSTS_WINDOW, now),
        this.client.query(`last_over_time(${PROM_INFO.interval.prom}[1h])`, now),
      ]);
      const out = new Map<string, number>();
      for (const l of list) if (l.host !== undefined) out.set(l.host, DEFAULT_INTERVAL);
      for (const s of intervals) if (s.metric.host !== undefined) out.set(s.metric.host, Math.max(1, num(s)));
      return out;
    })();
    this.known = { at, hosts };
    hosts.catch(() => (this.known = undefined));
    return hosts;
  }

  private async interval(host: string, now: number): Promise<number> {
    const i = (await this.hostIntervals(now)).get(host);
    if (i === undefined) throw new HTTPException(404, { message: `host "${host}" not found` });
    return i;
  }

  /** Each bucket's avg (and min, max when asked) of `sel` over the grid, by the series' labels. */
  private async buckets(
    sel: string,
    grid: number[],
    step: number,
    withMinMax: boolean,
    raw: boolean,
  ): Promise<{ fn: BucketFn; series: MatrixSeries[] }[]> {
    const now = Math.floor(this.clockMs() / 1000);
    if (raw) return this.rawBuckets(sel, grid, step, now);
    const { range, live } = splitGrid(grid, step, now);
    const fns: BucketFn[] = withMinMax ? ['avg', 'min', 'max'] : ['avg'];
    const [ended, current] = await Promise.all([
      Promise.all(
        fns.map((fn) =>
          range
            ? this.client.queryRange(bucketQuery(fn, sel, step), range.start, range.end, step)
            : Promise.resolve([] as MatrixSeries[]),
        ),
      ),
      live === undefined ? ([] as MatrixSeries[]) : this.client.rawSamples(liveQuery(sel, live, now), now),
    ]);
    return fns.map((fn, k) => {
      // The bucket now is in joins its series' points as if evaluated at the bucket's end.
      const series = ended[k];
      const byLabels = new Map(series.map((s) => [labelKey(s.metric), s]));
      for (const raw of current) {
        const v = aggregate(fn, raw.values, live!);
        if (v === null) continue;
        const point: [number, string] = [live! + step, String(v)];
        const s = byLabels.get(labelKey(raw.metric));
        if (s) s.values.push(point);
        else series.push({ metric: raw.metric, values: [point] });
      }
      return { fn, series };
    });
  }

  /**
   * The raw tier (a bucket per agent interval): the samples themselves, bucketed here. A
   * *_over_time window as short as the samples' interval is one an engine may widen
   * (VictoriaMetrics does, where ticks were skipped) and so mix in the sample before.
   */
  private async rawBuckets(sel: string, grid: number[], step: number, now: number) {
    if (grid.length === 0) return [{ fn: 'avg' as const, series: [] }];
    // [grid[0], last bucket's end) up to now, in ms: a range selector's window is (at - w, at].
    const atMs = Math.min(now * 1000, (grid[grid.length - 1] + step) * 1000 - 1);
    const windowMs = atMs - grid[0] * 1000 + 1;
    if (windowMs <= 0) return [{ fn: 'avg' as const, series: [] }];
    const raw = await this.client.rawSamples(`${sel}[${windowMs}ms]`, atMs / 1000);
    const series = raw.map((s): MatrixSeries => {
      const byBucket = new Map<number, [number, string][]>();
      for (const v of s.values) {
        const b = grid[0] + Math.floor((v[0] - grid[0]) / step) * step;
        let list = byBucket.get(b);
        if (!list) byBucket.set(b, (list = []));
        list.push(v);
      }
      const values: [number, string][] = [];
      for (const [b, list] of byBucket) {
        const v = aggregate('avg', list, b);
        if (v !== null) values.push([b + step, String(v)]);
      }
      return { metric: s.metric, values };
    });
    return [{ fn: 'avg' as const, series }];
  }

  private column(values: MatrixSeries['values'], grid: number[], step: number, digits: number | undefined) {
    return toColumn(values, grid, step, digits === undefined ? undefined : (v) => roundSignificant(v, digits));
  }

  /**
   * Columns of `metrics` (names in `table`) for the entities `sel` matches, keyed by the label
   * `by`: `NAME`, and `NAME_min` / `NAME_max` when asked.
   */
  private async entityColumns(
    table: Map<string, { prom: string }>,
    metrics: readonly string[],
    matchers: [string, string][],
    by: string,
    grid: number[],
    step: number,
    withMinMax: boolean,
    digits: number | undefined,
    raw: boolean,
  ): Promise<Map<string, Record<string, (number | null)[]>>> {
    const out = new Map<string, Record<string, (number | null)[]>>();
    await Promise.all(
      metrics.map(async (m) => {
        const prom = table.get(m)!.prom;
        for (const { fn, series } of await this.buckets(selector(prom, matchers), grid, step, withMinMax, raw)) {
          const key = fn === 'avg' ? m : `${m}_${fn}`;
          for (const s of series) {
            const who = s.metric[by];
            if (who === undefined) continue;
            let cols = out.get(who);
            if (!cols) out.set(who, (cols = Object.create(null) as Record<string, (number | null)[]>));
            const col = this.column(s.values, grid, step, digits);
            if (cols[key]) merge(cols[key], col);
            else cols[key] = col;
          }
        }
      }),
    );
    return out;
  }

  /** Every asked column, all-null where the engine had nothing, in the order SQLite gives them. */
  private complete(
    cols: Record<string, (number | null)[]> | undefined,
    metrics: readonly string[],
    withMinMax: boolean,
    n: number,
  ): Record<string, (number | null)[]> {
    const out: Record<string, (number | null)[]> = {};
    for (const m of metrics)
      for (const key of withMinMax ? [m, `${m}_min`, `${m}_max`] : [m])
        out[key] = cols?.[key] ?? new Array<number | null>(n).fill(null);
    return out;
  }

  async hosts(now: number): Promise<HostsAnswer> {
    const q = (expr: string) => this.client.query(expr, now);
    const info = PROM_INFO;
    const [intervals, exact, agents, hostVals, containersNow, containerVals, hostSeen, containerSeen] =
      await Promise.all([
        this.hostIntervals(now),
        q(`timestamp(${info.interval.prom})`),
        q(info.agent.prom),
        q(nameMatcher(hostNames)),
        q(`timestamp(${info.container.prom})`),
        q(nameMatcher(containerNames)),
        q(`max_over_time(timestamp(${info.interval.prom})[${HOSTS_WINDOW}s:5m])`),
        q(`max_over_time(timestamp(${info.container.prom})[${GONE_WINDOW}s:1m])`),
      ]);
    const lastTs = new Map<string, number>();
    const newer = (map: Map<string, number>, key: string, t: number) => {
      if (!(t <= (map.get(key) ?? -Infinity))) map.set(key, t);
    };
    for (const s of [...hostSeen, ...exact]) if (s.metric.host !== undefined) newer(lastTs, s.metric.host, num(s));
    const agentOf = new Map(agents.map((s) => [s.metric.host, s.metric]));
    const latest = new Map<string, Record<string, number>>();
    for (const s of hostVals) {
      const name = hostByProm.get(s.metric.__name__);
      if (!name || s.metric.host === undefined) continue;
      const l = latest.get(s.metric.host) ?? {};
      l[name] = num(s);
      latest.set(s.metric.host, l);
    }
    // Containers by host and name: the newest sighting's identity (a recreated one has a new id).
    type Seen = { labels: Labels; last: number };
    const seen = new Map<string, Map<string, Seen>>();
    for (const s of [...containerSeen, ...containersNow]) {
      const { host, container } = s.metric;
      if (host === undefined || container === undefined) continue;
      let byName = seen.get(host);
      if (!byName) seen.set(host, (byName = new Map()));
      const e = byName.get(container);
      if (!e || num(s) >= e.last) byName.set(container, { labels: s.metric, last: num(s) });
    }
    const cLatest = new Map<string, Record<string, number>>();
    for (const s of containerVals) {
      const name = containerByProm.get(s.metric.__name__);
      if (!name || s.metric.host === undefined || s.metric.container === undefined) continue;
      const key = JSON.stringify([s.metric.host, s.metric.container]);
      const l = cLatest.get(key) ?? {};
      l[name] = num(s);
      cLatest.set(key, l);
    }
    const names = [...new Set([...intervals.keys(), ...lastTs.keys()])].sort();
    const hosts = names.map((name): HostInfo => {
      const interval = intervals.get(name) ?? DEFAULT_INTERVAL;
      const last = lastTs.get(name) ?? now - HOSTS_WINDOW;
      const agent = agentOf.get(name);
      const list = [...(seen.get(name)?.entries() ?? [])]
        .filter(([, c]) => c.last >= last - GONE_WINDOW)
        .map(([cname, c]): ContainerInfo => {
          const state = c.labels.state ?? 'running';
          const running = c.last >= last - interval && state === 'running';
          return {
            name: cname,
            id: c.labels.container_id ?? '',
            image: c.labels.image ?? null,
            state: running ? state : 'gone',
            running,
            compose_project: c.labels.compose_project ?? null,
            compose_service: c.labels.compose_service ?? null,
            labels: {},
            first_seen: Math.min(c.last, now - GONE_WINDOW),
            last_seen: c.last,
            latest: cLatest.get(JSON.stringify([name, cname])) ?? {},
          };
        })
        .sort(
          (a, b) =>
            Number(a.compose_project === null) - Number(b.compose_project === null) ||
            (a.compose_project ?? '').localeCompare(b.compose_project ?? '') ||
            (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
        );
      return {
        name,
        machine_id: agent?.machine_id ?? null,
        agent_version: agent?.version ?? null,
        interval,
        first_seen: Math.min(last, now - HOSTS_WINDOW),
        last_seen: last,
        last_ts: last,
        online: isOnline(now, last, interval),
        // Each Berth server knows its agents' clocks; the query API does not carry them.
        clock_offset: null,
        latest: latest.get(name) ?? {},
        containers: list,
        compose_projects: [...new Set(list.map((x) => x.compose_project).filter((p): p is string => !!p))].sort(),
      };
    });
    return { now, hosts };
  }

  async series(q: SeriesQuery, now: number): Promise<SeriesAnswer> {
    const interval = await this.interval(q.host, now);
    const { tier, step } = chooseTier(q.from, q.to, interval, q.maxPoints);
    const grid = timeGrid(q.from, q.to, step);
    const withMinMax = q.minmax && tier !== 'raw';
    const out: SeriesAnswer = {
      host: q.host,
      tier,
      step,
      from: q.from,
      to: q.to,
      t: grid,
      series: Object.create(null) as SeriesAnswer['series'],
    };
    if (q.container !== undefined) out.container = q.container;
    const entity: [string, string][] = [['host', q.host]];
    if (q.container !== undefined) entity.push(['container', q.container]);
    if (q.metrics.length) {
      const table = q.container === undefined ? PROM_HOST : PROM_CONTAINER;
      const cols = await this.entityColumns(
        table,
        q.metrics,
        entity,
        'host',
        grid,
        step,
        withMinMax,
        undefined,
        tier === 'raw',
      );
      Object.assign(out.series, this.complete(cols.get(q.host), q.metrics, withMinMax, grid.length));
    }
    if (q.series.length) {
      const labels = Object.create(null) as Record<string, Record<string, string>>;
      const filters: [string, string][] = q.labelFilters.map(([k, v]) => [sanitizeLabelName(k), v]);
      const wantsContainer = q.container !== undefined || q.labelFilters.some(([k]) => k === 'container');
      await Promise.all(
        q.series.map(async (name) => {
          const sel = selector(seriesPromName(name), [...entity, ...filters]);
          for (const { fn, series } of await this.buckets(sel, grid, step, withMinMax, tier === 'raw')) {
            for (const s of series) {
              // A host's own series, unless a container is asked for (as SQLite answers).
              if (!wantsContainer && s.metric.container !== undefined) continue;
              const l = berthLabels(s.metric);
              const key = seriesColumnKey(name, l);
              const col = this.column(s.values, grid, step, undefined);
              const at = fn === 'avg' ? key : `${key}_${fn}`;
              if (out.series[at]) merge(out.series[at], col);
              else out.series[at] = col;
              labels[key] = l;
            }
          }
        }),
      );
      out.labels = labels;
    }
    return out;
  }

  async hostSeries(q: HostSeriesQuery, now: number): Promise<HostSeriesAnswer> {
    const known = await this.hostIntervals(now);
    for (const h of q.hosts) if (!known.has(h)) throw new HTTPException(404, { message: `host "${h}" not found` });
    const hosts = q.hosts.length ? q.hosts : [...known.keys()].sort();
    const interval = Math.max(1, ...hosts.map((h) => known.get(h) ?? DEFAULT_INTERVAL));
    const { tier, step } = chooseTier(q.from, q.to, interval, q.maxPoints);
    const grid = timeGrid(q.from, q.to, step);
    const withMinMax = q.minmax && tier !== 'raw';
    const matchers: [string, string][] = q.hosts.length === 1 ? [['host', q.hosts[0]]] : [];
    const cols = await this.entityColumns(
      PROM_HOST,
      q.metrics,
      matchers,
      'host',
      grid,
      step,
      withMinMax,
      q.digits,
      tier === 'raw',
    );
    const out: HostSeriesAnswer = {
      tier,
      step,
      from: q.from,
      to: q.to,
      t: grid,
      hosts: Object.create(null) as HostSeriesAnswer['hosts'],
    };
    for (const h of hosts) out.hosts[h] = this.complete(cols.get(h), q.metrics, withMinMax, grid.length);
    return out;
  }

  async containerSeries(q: ContainerSeriesQuery, now: number): Promise<ContainerSeriesAnswer> {
    const interval = await this.interval(q.host, now);
    const { tier, step } = chooseTier(q.from, q.to, interval, q.maxPoints);
    const grid = timeGrid(q.from, q.to, step);
    const withMinMax = q.minmax && tier !== 'raw';
    const matchers: [string, string][] = [['host', q.host]];
    if (q.containers !== '*' && q.containers.length === 1) matchers.push(['container', q.containers[0]]);
    const cols = await this.entityColumns(
      PROM_CONTAINER,
      q.metrics,
      matchers,
      'container',
      grid,
      step,
      withMinMax,
      q.digits,
      tier === 'raw',
    );
    const names = q.containers === '*' ? [...cols.keys()].sort() : q.containers;
    const out: ContainerSeriesAnswer = {
      host: q.host,
      tier,
      step,
      from: q.from,
      to: q.to,
      t: grid,
      containers: Object.create(null) as ContainerSeriesAnswer['containers'],
    };
    for (const n of names) out.containers[n] = this.complete(cols.get(n), q.metrics, withMinMax, grid.length);
    return out;
  }

  async top(q: TopQuery, now: number): Promise<TopAnswer> {
    const interval = await this.interval(q.host, now);
    const { tier } = chooseTier(q.from, q.to, interval);
    // At `to`, over (from - 1 s, to]: the samples of [from, to], as SQLite counts them.
    const sel = `${selector(PROM_CONTAINER.get(q.metric)!.prom, [['host', q.host]])}[${q.to - q.from + 1}s]`;
    const [avg, max, count, info] = await Promise.all([
      this.client.query(`avg_over_time(${sel})`, q.to),
      this.client.query(`max_over_time(${sel})`, q.to),
      this.client.query(`count_over_time(${sel})`, q.to),
      this.client.query(
        `max_over_time(timestamp(${selector(PROM_INFO.container.prom, [['host', q.host]])})[${Math.min(q.to - q.from + 1, GONE_WINDOW)}s:1m])`,
        q.to,
      ),
    ]);
    type Acc = { labels: Labels; sum: number; n: number; max: number | null };
    const acc = new Map<string, Acc>();
    const key = (s: VectorSample) =>
      JSON.stringify(
        Object.entries(s.metric)
          .filter(([k]) => k !== '__name__')
          .sort(),
      );
    const counts = new Map(count.map((s) => [key(s), num(s)]));
    const maxes = new Map(max.map((s) => [key(s), num(s)]));
    for (const s of avg) {
      const name = s.metric.container;
      const n = counts.get(key(s)) ?? 0;
      if (name === undefined || !n) continue;
      const a = acc.get(name) ?? { labels: s.metric, sum: 0, n: 0, max: null };
      a.sum += num(s) * n;
      a.n += n;
      const m = maxes.get(key(s));
      if (m !== undefined) a.max = a.max === null ? m : Math.max(a.max, m);
      acc.set(name, a);
    }
    const lastSeen = new Map(info.map((s) => [s.metric.container, num(s)]));
    const containers = [...acc.entries()]
      .map(([name, a]) => ({
        name,
        image: a.labels.image ?? null,
        compose_project: a.labels.compose_project ?? null,
        compose_service: a.labels.compose_service ?? null,
        last_seen: lastSeen.get(name) ?? null,
        avg: a.sum / a.n,
        max: a.max,
        samples: a.n,
      }))
      .sort((x, y) => y.avg - x.avg)
      .slice(0, q.limit);
    return { host: q.host, metric: q.metric, from: q.from, to: q.to, tier, containers };
  }

  async catalog(host: string, now: number): Promise<CatalogAnswer> {
    await this.interval(host, now);
    const from = now - GONE_WINDOW;
    const list = await this.client.series(selector('', [['host', host]]), from, now);
    const entries = list
      .filter((l) => l.__name__ !== undefined && !entityNames.has(l.__name__))
      .map((l) => {
        const name = seriesNameOf(l.__name__);
        if (name === undefined) return undefined;
        return {
          name,
          labels: berthLabels(l),
          unit: unitOf(name) ?? null,
          title: null,
          first_seen: from,
          last_seen: now,
        };
      })
      .filter((e): e is NonNullable<typeof e> => e !== undefined)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const truncated = entries.length > MAX_CATALOG_SERIES;
    return {
      host,
      ...(truncated ? { truncated: true, limit: MAX_CATALOG_SERIES } : {}),
      series: entries.slice(0, MAX_CATALOG_SERIES),
    };
  }
}
