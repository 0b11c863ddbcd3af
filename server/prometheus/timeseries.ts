// An accepted batch as Prometheus time series: one per metric of each entity, named and
// labelled by protocol/prometheus.ts, with the batch's samples (seconds → milliseconds) in
// time order, each time once. Beside them, once per tick, the `_info` series that say what no
// sample does (the agent's machine id, version and interval; a container's Docker id and
// state). What remote-write sends and what GET /metrics shows come from here. Pure.
import type { ColumnBatch } from '../../protocol/batch.ts';
import {
  PROM_CONTAINER,
  PROM_HOST,
  PROM_INFO,
  containerLabels,
  seriesLabels,
  seriesPromName,
} from '../../protocol/prometheus.ts';

export interface Label {
  name: string;
  value: string;
}

export interface Sample {
  value: number;
  /** Milliseconds since the epoch. */
  timestamp: number;
}

export interface TimeSeries {
  /** `__name__` among them, sorted by name (remote-write asks for it; byte order). */
  labels: Label[];
  /** Oldest first, each time once. */
  samples: Sample[];
}

const byName = (a: [string, string], b: [string, string]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

/** The label list with `__name__`, sorted. */
export function withName(name: string, labels: readonly [string, string][]): Label[] {
  return [['__name__', name] as [string, string], ...labels].sort(byName).map(([n, v]) => ({ name: n, value: v }));
}

/**
 * One column's samples: a value where it has one, oldest first; a time given twice keeps its
 * first value, as the store's INSERT OR IGNORE does.
 */
export function samplesOf(ts: readonly number[], values: readonly (number | null)[]): Sample[] {
  const out: Sample[] = [];
  let sorted = true;
  for (let i = 0; i < ts.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) continue;
    const t = ts[i] * 1000;
    if (out.length && t <= out[out.length - 1].timestamp) sorted = false;
    out.push({ value: v, timestamp: t });
  }
  if (sorted) return out;
  // Stable: among equal times the first stays first.
  out.sort((a, b) => a.timestamp - b.timestamp);
  return out.filter((s, i) => i === 0 || s.timestamp !== out[i - 1].timestamp);
}

const ones = (ts: readonly number[]) => ts.map(() => 1);

/**
 * Every sample of the batch as time series. Metrics outside the catalogue on a host or
 * container row are series of that entity (`berth_custom_…`), as the store keeps them.
 */
export function batchToTimeSeries(batch: ColumnBatch): TimeSeries[] {
  const host = batch.agent.host;
  const out: TimeSeries[] = [];
  const push = (
    name: string,
    labels: readonly [string, string][],
    ts: readonly number[],
    values: readonly (number | null)[],
  ) => {
    const samples = samplesOf(ts, values);
    if (samples.length) out.push({ labels: withName(name, labels), samples });
  };
  const hostOnly: [string, string][] = [['host', host]];

  // The agent's identity at each time the batch holds a host row (or any row, without one).
  const ticks = batch.host?.ts ?? [
    ...new Set([...batch.containers.flatMap((c) => c.ts), ...batch.series.flatMap((s) => s.ts)]),
  ];
  const agent: [string, string][] = [['host', host]];
  if (batch.agent.machine_id) agent.push(['machine_id', batch.agent.machine_id]);
  if (batch.agent.version) agent.push(['version', batch.agent.version]);
  push(PROM_INFO.agent.prom, agent, ticks, ones(ticks));
  if (batch.agent.interval !== undefined)
    push(
      PROM_INFO.interval.prom,
      hostOnly,
      ticks,
      ticks.map(() => batch.agent.interval!),
    );

  if (batch.host) {
    for (const name of Object.keys(batch.host.metrics)) {
      const def = PROM_HOST.get(name);
      if (def) push(def.prom, hostOnly, batch.host.ts, batch.host.metrics[name]);
      else push(seriesPromName(name), seriesLabels(host, {}, undefined), batch.host.ts, batch.host.metrics[name]);
    }
  }
  for (const c of batch.containers) {
    const labels = containerLabels(host, c);
    const info: [string, string][] = [...labels, ['container_id', c.id]];
    if (c.state) info.push(['state', c.state]);
    push(PROM_INFO.container.prom, info, c.ts, ones(c.ts));
    for (const name of Object.keys(c.metrics)) {
      const def = PROM_CONTAINER.get(name);
      if (def) push(def.prom, labels, c.ts, c.metrics[name]);
      else push(seriesPromName(name), seriesLabels(host, {}, c.name), c.ts, c.metrics[name]);
    }
  }
  for (const s of batch.series) push(seriesPromName(s.name), seriesLabels(host, s.labels, s.container), s.ts, s.values);
  return out;
}

/** Samples in a list of series. */
export function sampleCount(series: readonly TimeSeries[]): number {
  let n = 0;
  for (const s of series) n += s.samples.length;
  return n;
}
