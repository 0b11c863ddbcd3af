// The alert evaluator: judges the rules against what the server stored and records each
// transition (fired, resolved) once, with what is to be sent for it.
// - Metric rules: each stored batch's samples, in the samples' own time (threshold.ts), after
//   the batch is stored and outside the request (queued, taken a turn of the event loop later).
// - Event rules: the `events` table from the newest id read before (a cursor in alert_meta).
// - host_offline: the `hosts` table's newest sample time against each host's interval, each pass.
// A transition in data older than LATE_S (an agent replaying its spool) is recorded with its real
// times but not sent as news; a firing that is still on once its data is current is sent then.
import type Database from 'better-sqlite3';
import type { ColumnBatch } from '../../protocol/batch.ts';
import { canonicalLabels } from '../../protocol/series-key.ts';
import type { AlertPayload } from '../../protocol/alerts.ts';
import type { AlertConfig, EventRule, MetricRule, Rule } from './rule-file.ts';
import { AlertStore, type Instance } from './store.ts';
import { stepThreshold, type ThresholdState } from './threshold.ts';
import { eventSummary, metricSummary, payload, type Subject } from './words.ts';

/** Data this much older than the server's clock is late: its transitions are recorded, not sent. */
export const LATE_S = 300;
/** A host is silent once nothing came for two intervals and this much (as the hosts list says). */
const SILENT_GRACE_S = 2;
const EVENTS_CURSOR = 'events_cursor';
const EVENT_PAGE = 5000;

interface EventRow {
  id: number;
  host: string;
  ts: number;
  type: string;
  container: string;
  exit_code: number | null;
  health: string | null;
  cause: string | null;
  compose_project: string | null;
}

export interface EvaluatorDeps {
  sqlite: Database.Database;
  /** Epoch seconds. */
  now: () => number;
  /** The page's address, for the payload's url. */
  publicUrl: () => string;
  /** Told after each transition is recorded (the delivery loop wakes up). */
  onRecorded?: () => void;
}

const instanceKey = (rule: string, key: string) => `${rule}\u0000${key}`;

export class AlertEvaluator {
  private config: AlertConfig = { receivers: new Map(), rules: [] };
  private instances = new Map<string, Instance>();
  private queue: ColumnBatch[] = [];
  private draining = false;
  private eventsWaiting = false;
  readonly store: AlertStore;
  /** When this evaluator started: a host is not blamed for silence while the server was down. */
  private readonly startedAt: number;
  private s;

  constructor(private deps: EvaluatorDeps) {
    this.store = new AlertStore(deps.sqlite);
    for (const i of this.store.loadInstances()) this.put(instanceKey(i.rule, i.key), i);
    this.startedAt = deps.now();
    this.s = {
      hosts: deps.sqlite.prepare('SELECT name, interval_s AS interval, last_ts AS lastTs FROM hosts'),
      maxEvent: deps.sqlite.prepare('SELECT coalesce(max(id), 0) AS id FROM events'),
      events: deps.sqlite.prepare(
        `SELECT e.id, h.name AS host, e.ts, e.type, e.container, e.exit_code, e.health, e.cause, e.compose_project
         FROM events e JOIN hosts h ON h.id = e.host_id WHERE e.id > ? ORDER BY e.id LIMIT ${EVENT_PAGE}`,
      ),
      deaths: deps.sqlite.prepare(
        `SELECT count(*) AS n, min(e.ts) AS first FROM events e JOIN hosts h ON h.id = e.host_id
         WHERE h.name = ? AND e.container = ? AND e.type = 'die' AND coalesce(e.cause, 'exit') != 'kill'
           AND e.ts > ? AND e.ts <= ?`,
      ),
    };
    // A first start reads events from now on: what was stored before alerts existed is history.
    if (this.store.meta(EVENTS_CURSOR) === undefined)
      this.store.setMeta(EVENTS_CURSOR, (this.s.maxEvent.get() as { id: number }).id);
  }

  /** Instances per rule and host: a sample on the good side of a host with none is skipped at once. */
  private perHost = new Map<string, number>();

  private put(k: string, i: Instance): void {
    if (!this.instances.has(k)) {
      const h = `${i.rule}\u0000${i.host}`;
      this.perHost.set(h, (this.perHost.get(h) ?? 0) + 1);
    }
    this.instances.set(k, i);
  }

  private drop(k: string, i: Instance): void {
    if (!this.instances.delete(k)) return;
    const h = `${i.rule}\u0000${i.host}`;
    const n = (this.perHost.get(h) ?? 1) - 1;
    if (n > 0) this.perHost.set(h, n);
    else this.perHost.delete(h);
  }

  /**
   * Back to what SQLite holds (after a pass failed and its transaction rolled back, memory
   * must not keep what the file does not); pending thresholds start over.
   */
  reload(): void {
    this.instances.clear();
    this.perHost.clear();
    for (const i of this.store.loadInstances()) this.put(instanceKey(i.rule, i.key), i);
  }

  get rules(): Rule[] {
    return this.config.rules;
  }

  get receivers(): AlertConfig['receivers'] {
    return this.config.receivers;
  }

  firing(): Instance[] {
    return [...this.instances.values()].filter((i) => i.phase === 'firing');
  }

  /** New rules: instances of rules that are gone are forgotten (nothing sent); the rest carry on. */
  setConfig(config: AlertConfig): void {
    this.config = config;
    const names = new Set(config.rules.map((r) => r.name));
    this.store.transaction(() => {
      for (const [k, i] of this.instances)
        if (!names.has(i.rule)) {
          this.drop(k, i);
          this.store.remove(i.rule, i.key);
        }
    });
  }

  /** A batch the writer stored; judged a turn later, so ingest never waits on it. */
  observe(batch: ColumnBatch): void {
    // A batch with events has them judged at once too, rather than at the next pass.
    const events = (batch.events?.length ?? 0) > 0;
    if (events) this.eventsWaiting = true;
    if (!events && !this.config.rules.some((r) => r.kind === 'metric')) return;
    this.queue.push(batch);
    if (this.draining) return;
    this.draining = true;
    setImmediate(() => {
      this.draining = false;
      this.drain();
    });
  }

  /** Judges every queued batch now (tests call it instead of waiting a turn). */
  drain(): void {
    const batches = this.queue;
    this.queue = [];
    if (!batches.length) return;
    const now = this.deps.now();
    const events = this.eventsWaiting;
    this.eventsWaiting = false;
    this.store.transaction(() => {
      for (const b of batches) this.judgeBatch(b, now);
      if (events) this.judgeEvents(now);
    });
  }

  /** One pass of what time alone changes: silent hosts, new events, restart loops that calmed down, late firings now current. */
  pass(): void {
    this.drain();
    const now = this.deps.now();
    this.store.transaction(() => {
      this.judgeHosts(now);
      this.judgeEvents(now);
      const byName = new Map(this.config.rules.map((r) => [r.name, r]));
      for (const i of [...this.instances.values()]) {
        if (i.phase !== 'firing') continue;
        const rule = byName.get(i.rule);
        if (!rule) continue;
        if (rule.kind === 'event' && rule.event === 'restart_loop' && now - i.lastTs >= rule.withinS)
          this.resolve(rule, i, i.lastTs + rule.withinS, now, null);
        else if (i.phase === 'firing' && !i.notified && now - i.lastTs <= LATE_S) this.sendLate(rule, i, now);
      }
    });
  }

  private judgeBatch(batch: ColumnBatch, now: number): void {
    const host = batch.agent.host;
    const projects = new Map(batch.containers.map((c) => [c.name, c.compose_project ?? null]));
    for (const rule of this.config.rules) {
      if (rule.kind !== 'metric' || !rule.hosts(host)) continue;
      const quiet = !this.perHost.has(`${rule.name}\u0000${host}`);
      const { op, threshold } = rule;
      const feed = (
        container: string | null,
        labels: Record<string, string> | null,
        ts: readonly number[],
        values: readonly (number | null)[],
      ) => {
        // The common case first: nothing pending or firing on this host and nothing past the threshold.
        if (quiet) {
          let any = false;
          for (const v of values) if (v !== null && (op === 'above' ? v > threshold : v < threshold)) any = true;
          if (!any) return;
        }
        if (rule.entity === 'container') {
          if (!rule.containers(container) || !rule.composeProject(container === null ? null : projects.get(container)))
            return;
        }
        const subject: Subject = { host, container, labels };
        const key = `${host}\u0000${container ?? ''}\u0000${labels ? canonicalLabels(labels) : ''}`;
        for (let i = 0; i < ts.length; i++)
          if (values[i] !== null) this.sample(rule, subject, key, ts[i], values[i]!, now);
      };
      if (rule.entity === 'host') {
        const col = batch.host?.metrics[rule.metric];
        if (col) feed(null, null, batch.host!.ts, col);
        else
          for (const s of batch.series)
            if (s.name === rule.metric && !s.container) feed(null, s.labels, s.ts, s.values);
      } else {
        for (const c of batch.containers) {
          const col = c.metrics[rule.metric];
          if (col) feed(c.name, null, c.ts, col);
        }
        for (const s of batch.series)
          if (s.name === rule.metric && s.container) feed(s.container, s.labels, s.ts, s.values);
      }
    }
  }

  private sample(rule: MetricRule, subject: Subject, key: string, ts: number, value: number, now: number): void {
    const k = instanceKey(rule.name, key);
    const i = this.instances.get(k);
    const before: ThresholdState | undefined = i && {
      phase: i.phase,
      since: i.since,
      clearSince: i.clearSince,
      value: i.value ?? value,
      lastTs: i.lastTs,
    };
    const step = stepThreshold(before, rule, ts, value);
    if (step.transition === 'resolve') {
      this.resolve(rule, i!, step.endedAt, now, value);
      return;
    }
    if (!step.state) {
      if (i) this.drop(k, i);
      return;
    }
    const next: Instance = {
      ...(i ?? { rule: rule.name, key, ...subject, notified: false, historyId: null }),
      phase: step.state.phase,
      since: step.state.since,
      clearSince: step.state.clearSince,
      value: step.state.value,
      lastTs: step.state.lastTs,
    };
    this.put(k, next);
    if (step.transition === 'fire') this.fire(rule, next, now, metricSummary(rule, subject, 'firing', value));
    // Pending lives in memory only (a restart waits its for: again; thousands of series come and
    // go past a threshold every tick); a firing one is written when it enters or leaves its band.
    else if (next.phase === 'firing' && i!.clearSince !== next.clearSince) this.store.save(next);
  }

  private fire(rule: Rule, i: Instance, now: number, summary: string): void {
    const late = now - i.lastTs > LATE_S;
    const p = payload(rule, i, 'firing', { started: i.since, ended: null }, i.value, summary, this.deps.publicUrl());
    i.phase = 'firing';
    i.notified = !late;
    i.historyId = this.store.record(p, late, late ? [] : rule.notify, now);
    this.store.save(i);
    if (!late) this.deps.onRecorded?.();
  }

  private sendLate(rule: Rule, i: Instance, now: number): void {
    if (i.historyId === null) return;
    i.notified = true;
    const summary =
      rule.kind === 'metric' ? metricSummary(rule, i, 'firing', i.value ?? 0) : this.firingSummary(rule, i);
    const p = payload(rule, i, 'firing', { started: i.since, ended: null }, i.value, summary, this.deps.publicUrl());
    this.store.sendLate(i.historyId, p, rule.notify, now);
    this.store.save(i);
    this.deps.onRecorded?.();
  }

  private firingSummary(rule: EventRule, i: Instance): string {
    return eventSummary(rule.event, i, 'firing', {
      since: i.since,
      withinS: rule.withinS,
      count: i.value ?? undefined,
    });
  }

  /** Ends an instance: sent when its firing was, recorded alone when its firing never went out. */
  private resolve(rule: Rule, i: Instance, endedAt: number, now: number, value: number | null, why?: string): void {
    this.drop(instanceKey(i.rule, i.key), i);
    this.store.remove(i.rule, i.key);
    if (i.phase !== 'firing') return;
    const summary =
      rule.kind === 'metric'
        ? metricSummary(rule, i, 'resolved', value ?? i.value ?? 0)
        : eventSummary(rule.event, i, 'resolved', { withinS: rule.withinS, why });
    const p: AlertPayload = payload(
      rule,
      i,
      'resolved',
      { started: i.since, ended: endedAt },
      value ?? i.value,
      summary,
      this.deps.publicUrl(),
    );
    this.store.record(p, !i.notified, i.notified ? rule.notify : [], now);
    if (i.notified) this.deps.onRecorded?.();
  }

  private judgeHosts(now: number): void {
    const rules = this.config.rules.filter((r): r is EventRule => r.kind === 'event' && r.event === 'host_offline');
    if (!rules.length) return;
    for (const h of this.s.hosts.all() as Array<{ name: string; interval: number; lastTs: number }>) {
      const window = 2 * h.interval + SILENT_GRACE_S;
      for (const rule of rules) {
        if (!rule.hosts(h.name)) continue;
        const k = instanceKey(rule.name, h.name);
        const i = this.instances.get(k);
        if (i) {
          if (now - h.lastTs <= window) this.resolve(rule, i, h.lastTs, now, null);
          continue;
        }
        // Silence while this server was down is not the host's: counted from the later of the two.
        const silentAt = Math.max(h.lastTs, this.startedAt) + window;
        if (now - silentAt < rule.forS || now < silentAt) continue;
        const inst: Instance = {
          rule: rule.name,
          key: h.name,
          host: h.name,
          container: null,
          labels: null,
          phase: 'firing',
          since: h.lastTs,
          clearSince: null,
          value: null,
          lastTs: now,
          notified: false,
          historyId: null,
        };
        this.put(k, inst);
        this.fire(rule, inst, now, eventSummary('host_offline', inst, 'firing', { since: h.lastTs }));
      }
    }
  }

  private judgeEvents(now: number): void {
    const rules = this.config.rules.filter((r): r is EventRule => r.kind === 'event' && r.event !== 'host_offline');
    let cursor = this.store.meta(EVENTS_CURSOR) ?? 0;
    for (;;) {
      const rows = this.s.events.all(cursor) as EventRow[];
      for (const e of rows) for (const rule of rules) this.judgeEvent(rule, e, now);
      if (rows.length) cursor = rows[rows.length - 1].id;
      if (rows.length < EVENT_PAGE) break;
    }
    this.store.setMeta(EVENTS_CURSOR, cursor);
  }

  private judgeEvent(rule: EventRule, e: EventRow, now: number): void {
    if (!rule.hosts(e.host) || !rule.containers(e.container) || !rule.composeProject(e.compose_project)) return;
    const key = `${e.host}\u0000${e.container}`;
    const k = instanceKey(rule.name, key);
    const i = this.instances.get(k);
    const subject: Subject = { host: e.host, container: e.container, labels: null };
    const ts = Math.floor(e.ts);
    const start = (value: number | null, since: number, summary: string) => {
      const inst: Instance = {
        rule: rule.name,
        key,
        ...subject,
        phase: 'firing',
        since,
        clearSince: null,
        value,
        lastTs: ts,
        notified: false,
        historyId: null,
      };
      this.put(k, inst);
      this.fire(rule, inst, now, summary);
    };
    if (e.type === 'destroy') {
      if (i) this.resolve(rule, i, ts, now, null, 'removed');
      return;
    }
    const unasked = e.type === 'die' && e.cause !== 'kill';
    switch (rule.event) {
      case 'oom':
        if (e.type === 'oom' && !i) start(null, ts, eventSummary('oom', subject, 'firing', {}));
        else if (e.type === 'start' && i) this.resolve(rule, i, ts, now, null);
        return;
      case 'die':
        if (unasked && !i) start(e.exit_code, ts, eventSummary('die', subject, 'firing', { exitCode: e.exit_code }));
        else if (e.type === 'start' && i) this.resolve(rule, i, ts, now, null);
        return;
      case 'unhealthy':
        if (e.type === 'health_status' && e.health === 'unhealthy' && !i)
          start(null, ts, eventSummary('unhealthy', subject, 'firing', {}));
        else if (e.type === 'health_status' && e.health === 'healthy' && i) this.resolve(rule, i, ts, now, null);
        return;
      case 'restart_loop': {
        if (!unasked) return;
        if (i) {
          i.lastTs = Math.max(i.lastTs, ts);
          i.value = (i.value ?? 0) + 1;
          this.store.save(i);
          return;
        }
        const d = this.s.deaths.get(e.host, e.container, ts - rule.withinS, ts) as { n: number; first: number | null };
        if (d.n >= rule.restarts)
          start(
            d.n,
            Math.floor(d.first ?? ts),
            eventSummary('restart_loop', subject, 'firing', { count: d.n, withinS: rule.withinS }),
          );
        return;
      }
    }
  }
}
