// The newest value of every host, container and labelled series, kept in memory as batches
// are stored, for GET /metrics: a scrape reads this map, never the sample tables. Named and
// labelled as remote-write sends them (protocol/prometheus.ts). What a host stopped sending
// (a container gone, a mount unmounted) falls out two intervals after its newest tick, as
// /api/v1/hosts' `latest` does, and a host that stopped reporting shows nothing but being down.
import type { ColumnBatch } from '../../protocol/batch.ts';
import {
  PROM_CONTAINER,
  PROM_HOST,
  PROM_INFO,
  PROM_SERIES,
  containerLabels,
  seriesLabels,
  seriesPromName,
} from '../../protocol/prometheus.ts';
import type { Family } from './exposition.ts';

interface Value {
  value: number;
  /** Epoch seconds. */
  ts: number;
}

/**
 * One labelled thing (the host, a container, a labelled series) and its newest value of each
 * metric name. Kept per label set, not per name and label set: a batch's ~400 values then cost
 * a label key per container and a small map update per value, in place, on the server's main
 * thread (a key per value built and hashed a ~200-character string each: 3 ms a batch).
 */
interface Entity {
  labels: [string, string][];
  values: Map<string, Value>;
}

interface HostState {
  interval: number;
  /** Newest sample time the host sent (epoch s). */
  newest: number;
  /** Server time of its last batch (epoch s). */
  received: number;
  entities: Map<string, Entity>;
}

const byName = (a: [string, string], b: [string, string]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

/** Index of the newest time with a value, or -1. */
function newestIndex(ts: readonly number[], values: readonly (number | null)[]): number {
  let best = -1;
  for (let i = 0; i < ts.length; i++) if (values[i] !== null && (best < 0 || ts[i] >= ts[best])) best = i;
  return best;
}

const keyOf = (labels: readonly [string, string][]) => {
  let k = '';
  for (const [n, v] of labels) k += `${n}\u0000${v}\u0000`;
  return k;
};

const CUSTOM_HELP =
  'A series outside the catalogue (a plugin, or a metric this server does not know), as the agent sent it';

/** A host silent this long is forgotten (its history stays in SQLite). */
const FORGET_SECONDS = 86_400;

export class LatestValues {
  private hosts = new Map<string, HostState>();
  private updates = 0;

  /** Takes a stored batch's newest values; `now` is the server's time (epoch s). */
  update(batch: ColumnBatch, now: number): void {
    const name = batch.agent.host;
    let h = this.hosts.get(name);
    if (!h) {
      h = { interval: 10, newest: 0, received: now, entities: new Map() };
      this.hosts.set(name, h);
    }
    if (batch.agent.interval !== undefined) h.interval = batch.agent.interval;
    h.received = now;
    const state = h;
    const entity = (labels: [string, string][]): Entity => {
      const key = keyOf(labels);
      let e = state.entities.get(key);
      if (!e) state.entities.set(key, (e = { labels, values: new Map() }));
      return e;
    };
    const put = (e: Entity, prom: string, ts: number, value: number) => {
      const v = e.values.get(prom);
      if (v) {
        if (v.ts > ts) return;
        v.ts = ts;
        v.value = value;
      } else e.values.set(prom, { value, ts });
      if (ts > state.newest) state.newest = ts;
    };
    const column = (e: Entity, prom: string, ts: readonly number[], values: readonly (number | null)[]) => {
      const i = newestIndex(ts, values);
      if (i >= 0) put(e, prom, ts[i], values[i]!);
    };
    if (batch.host) {
      const { ts, metrics } = batch.host;
      const host = entity([['host', name]]);
      for (const m of Object.keys(metrics)) column(host, PROM_HOST.get(m)?.prom ?? seriesPromName(m), ts, metrics[m]);
      const last = Math.max(...ts);
      const agent: [string, string][] = [['host', name]];
      if (batch.agent.machine_id) agent.push(['machine_id', batch.agent.machine_id]);
      if (batch.agent.version) agent.push(['version', batch.agent.version]);
      put(entity(agent.sort(byName)), PROM_INFO.agent.prom, last, 1);
      if (batch.agent.interval !== undefined) put(host, PROM_INFO.interval.prom, last, batch.agent.interval);
    }
    for (const c of batch.containers) {
      const labels = containerLabels(name, c);
      const own = entity(labels);
      let custom: Entity | undefined;
      for (const m of Object.keys(c.metrics)) {
        const def = PROM_CONTAINER.get(m);
        if (def) column(own, def.prom, c.ts, c.metrics[m]);
        else column((custom ??= entity(seriesLabels(name, {}, c.name))), seriesPromName(m), c.ts, c.metrics[m]);
      }
      const info: [string, string][] = [...labels, ['container_id', c.id]];
      if (c.state) info.push(['state', c.state]);
      put(entity(info.sort(byName)), PROM_INFO.container.prom, Math.max(...c.ts), 1);
    }
    for (const s of batch.series)
      column(entity(seriesLabels(name, s.labels, s.container)), seriesPromName(s.name), s.ts, s.values);
    // Now and then, what fell out of the window goes, so memory follows what hosts send now.
    if (++this.updates % 256 === 0) this.prune(now);
  }

  /** Whether a host's last batch came within two intervals (plus a little), as the hosts list says. */
  private online(h: HostState, now: number): boolean {
    return now - h.received <= 2 * h.interval + 2;
  }

  private prune(now: number): void {
    for (const [name, h] of this.hosts) {
      if (now - h.received > FORGET_SECONDS) {
        this.hosts.delete(name);
        continue;
      }
      const oldest = h.newest - 2 * h.interval;
      for (const [k, e] of h.entities) {
        for (const [prom, v] of e.values) if (v.ts < oldest) e.values.delete(prom);
        if (e.values.size === 0) h.entities.delete(k);
      }
    }
  }

  /** Hosts with their newest tick, by name (for tests and the hosts gauge). */
  hostNames(): string[] {
    return [...this.hosts.keys()].sort();
  }

  /**
   * The newest values as exposition families (with their sample times), one family per name,
   * in catalogue order, then the names outside the catalogue.
   */
  families(now: number): Family[] {
    const byName = new Map<string, Family>();
    for (const i of Object.values(PROM_INFO))
      byName.set(i.prom, { name: i.prom, help: i.help, type: 'gauge', samples: [] });
    for (const table of [PROM_HOST, PROM_CONTAINER, PROM_SERIES])
      for (const m of table.values()) byName.set(m.prom, { name: m.prom, help: m.help, type: 'gauge', samples: [] });
    for (const name of [...this.hosts.keys()].sort()) {
      const h = this.hosts.get(name)!;
      if (!this.online(h, now)) continue;
      const oldest = h.newest - 2 * h.interval;
      for (const e of h.entities.values()) {
        for (const [prom, v] of e.values) {
          if (v.ts < oldest) continue;
          let f = byName.get(prom);
          if (!f) {
            f = { name: prom, help: CUSTOM_HELP, type: 'gauge', samples: [] };
            byName.set(prom, f);
          }
          f.samples.push({ labels: e.labels, value: v.value, timestamp: v.ts * 1000 });
        }
      }
    }
    return [...byName.values()];
  }
}
