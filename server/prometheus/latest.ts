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

interface Entry {
  prom: string;
  labels: [string, string][];
  value: number;
  /** Epoch seconds. */
  ts: number;
}

interface HostState {
  interval: number;
  /** Newest sample time the host sent (epoch s). */
  newest: number;
  /** Server time of its last batch (epoch s). */
  received: number;
  entries: Map<string, Entry>;
}

const byName = (a: [string, string], b: [string, string]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

/** Index of the newest time with a value, or -1. */
function newestIndex(ts: readonly number[], values: readonly (number | null)[]): number {
  let best = -1;
  for (let i = 0; i < ts.length; i++) if (values[i] !== null && (best < 0 || ts[i] >= ts[best])) best = i;
  return best;
}

const keyOf = (prom: string, labels: readonly [string, string][]) => {
  let k = prom;
  for (const [n, v] of labels) k += `\u0000${n}\u0000${v}`;
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
      h = { interval: 10, newest: 0, received: now, entries: new Map() };
      this.hosts.set(name, h);
    }
    if (batch.agent.interval !== undefined) h.interval = batch.agent.interval;
    h.received = now;
    const state = h;
    const put = (prom: string, labels: [string, string][], ts: number, value: number) => {
      const key = keyOf(prom, labels);
      const e = state.entries.get(key);
      if (e && e.ts > ts) return;
      state.entries.set(key, { prom, labels, value, ts });
      if (ts > state.newest) state.newest = ts;
    };
    const column = (
      prom: string,
      labels: [string, string][],
      ts: readonly number[],
      values: readonly (number | null)[],
    ) => {
      const i = newestIndex(ts, values);
      if (i >= 0) put(prom, labels, ts[i], values[i]!);
    };
    const hostOnly: [string, string][] = [['host', name]];
    if (batch.host) {
      const { ts, metrics } = batch.host;
      for (const m of Object.keys(metrics))
        column(PROM_HOST.get(m)?.prom ?? seriesPromName(m), hostOnly, ts, metrics[m]);
      const last = Math.max(...ts);
      const agent: [string, string][] = [['host', name]];
      if (batch.agent.machine_id) agent.push(['machine_id', batch.agent.machine_id]);
      if (batch.agent.version) agent.push(['version', batch.agent.version]);
      put(PROM_INFO.agent.prom, agent.sort(byName), last, 1);
      if (batch.agent.interval !== undefined) put(PROM_INFO.interval.prom, hostOnly, last, batch.agent.interval);
    }
    for (const c of batch.containers) {
      const labels = containerLabels(name, c);
      for (const m of Object.keys(c.metrics)) {
        const def = PROM_CONTAINER.get(m);
        column(def?.prom ?? seriesPromName(m), def ? labels : seriesLabels(name, {}, c.name), c.ts, c.metrics[m]);
      }
      const info: [string, string][] = [...labels, ['container_id', c.id]];
      if (c.state) info.push(['state', c.state]);
      put(PROM_INFO.container.prom, info.sort(byName), Math.max(...c.ts), 1);
    }
    for (const s of batch.series)
      column(seriesPromName(s.name), seriesLabels(name, s.labels, s.container), s.ts, s.values);
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
      for (const [k, e] of h.entries) if (e.ts < oldest) h.entries.delete(k);
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
      for (const e of h.entries.values()) {
        if (e.ts < oldest) continue;
        let f = byName.get(e.prom);
        if (!f) {
          f = { name: e.prom, help: CUSTOM_HELP, type: 'gauge', samples: [] };
          byName.set(e.prom, f);
        }
        f.samples.push({ labels: e.labels, value: e.value, timestamp: e.ts * 1000 });
      }
    }
    return [...byName.values()];
  }
}
