// The alert evaluator: judges the rules against what the server stored and records each
// transition (fired, resolved) once, with what is to be sent for it.
// - Metric rules: each stored batch's samples, in the samples' own time (threshold.ts), after
//   the batch is stored and outside the request (queued, judged a turn of the event loop later
//   in slices of a few milliseconds, so neither ingest nor queries wait behind a fleet's tick).
//   Which rules can match a series is worked out once per host and series (series-plans.ts),
//   not per sample; a series with nothing pending costs a comparison per rule and sample.
// - Event rules: the `events` table from the newest id read before (a cursor in alert_meta).
// - host_offline: the `hosts` table's newest sample time against each host's interval, each pass.
// A transition in data older than LATE_S (an agent replaying its spool) is recorded with its real
// times but not sent as news; a firing that is still on once its data is current is sent then.
// State in SQLite: firing instances, written for what changed only (a firing, its band, its end,
// with the slice that judged it), so a restart neither forgets nor re-sends a firing; and `for:`
// waits once they have lasted WAIT_SAVE_S (a wait that ends sooner, as a series flapping around a
// threshold begins and ends them every few ticks, costs no write), so a restart neither waits a
// `for:` again nor, a crash aside, loses more than WAIT_SAVE_S of one.
import type Database from 'better-sqlite3';
import type { ColumnBatch } from '../../protocol/batch.ts';
import { canonicalLabels } from '../../protocol/series-key.ts';
import type { AlertPayload } from '../../protocol/alerts.ts';
import type { AlertConfig, EventRule, MetricRule, Rule } from './rule-file.ts';
import { AlertStore, type Instance } from './store.ts';
import { begin, past, stepThreshold } from './threshold.ts';
import { clearSlot, instanceKey, SeriesPlans, type Group, type HostPlan, type SeriesPlan } from './series-plans.ts';
import { eventSummary, metricSummary, payload, type Subject } from './words.ts';

/** Data this much older than the server's clock is late: its transitions are recorded, not sent. */
export const LATE_S = 300;
/** A host is silent once nothing came for two intervals and this much (as the hosts list says). */
const SILENT_GRACE_S = 2;
const EVENTS_CURSOR = 'events_cursor';
const EVENT_PAGE = 5000;
/** Judging queued batches yields to the event loop after this long (ingest and queries go between). */
const SLICE_MS = 20;
/**
 * A `for:` wait is written down once it has lasted this long (server time), and its row deleted
 * as soon as it ends: what a crash can lose is the last WAIT_SAVE_S of waits (they begin again,
 * so a rule fires at most this much later, never sooner); a stop writes them all.
 */
const WAIT_SAVE_S = 60;
const SAVE_CHUNK = 4096;
/** alert_state's order (rule, key): rows written in it touch fewer of the table's pages. */
const byKey = (a: { rule: string; key: string }, b: { rule: string; key: string }) =>
  a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
/** A `for:` wait whose series sent nothing for this long is forgotten (a container removed meanwhile)… */
const PENDING_IDLE_S = 3600;
/** …looked for every this many passes. */
const SWEEP_EVERY = 60;

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
  /** Told when judging a turn later failed (a full disk, a busy file): it must not end the server. */
  onError?: (e: Error) => void;
}

export class AlertEvaluator {
  private config: AlertConfig = { receivers: new Map(), rules: [] };
  /** Event and host_offline instances, by instanceKey. */
  private keyed = new Map<string, Instance>();
  /** Metric instances (pending and firing); each also sits in its series plan's slot. */
  private metric = new Set<Instance>();
  /** Firing instances whose firing was not sent yet (it happened in late data). */
  private unsent = new Set<Instance>();
  /** Instances whose row must be written at the end of this slice, and rows to delete. */
  private dirty = new Set<Instance>();
  private gone: { rule: string; key: string }[] = [];
  /**
   * `for:` waits not written down, by when they began (server time), oldest first: those that
   * lasted WAIT_SAVE_S are written in the time judging leaves, a slice at a time (so the waits of
   * a whole fleet's start, all beginning at once, never hold the event loop long).
   */
  private waits = new Map<Instance, number>();
  /** The waits being written, in the table's key order, and how many are done. */
  private saving: Instance[] = [];
  private saved = 0;
  /**
   * Instances that have a row in alert_state. A Set, not a WeakSet: a fleet's worth of entries in
   * a WeakSet is an ephemeron table each full garbage collection walks; every instance that goes
   * leaves through forget().
   */
  private stored = new Set<Instance>();
  private plans = new SeriesPlans();
  private queue: ColumnBatch[] = [];
  private scheduled = false;
  private eventsWaiting = false;
  private passes = 0;
  private closed = false;
  readonly store: AlertStore;
  /** When this evaluator started: a host is not blamed for silence while the server was down. */
  private readonly startedAt: number;
  private s;

  constructor(private deps: EvaluatorDeps) {
    this.store = new AlertStore(deps.sqlite);
    this.startedAt = deps.now();
    this.s = {
      // Only hosts silent now, not the whole fleet every pass: the rest have nothing to fire.
      silentHosts: deps.sqlite.prepare(
        'SELECT name, interval_s AS interval, last_ts AS lastTs FROM hosts WHERE ? - last_ts >= 2 * interval_s + ?',
      ),
      host: deps.sqlite.prepare('SELECT name, interval_s AS interval, last_ts AS lastTs FROM hosts WHERE name = ?'),
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
    this.load();
    // A first start reads events from now on: what was stored before alerts existed is history.
    if (this.store.meta(EVENTS_CURSOR) === undefined)
      this.store.setMeta(EVENTS_CURSOR, (this.s.maxEvent.get() as { id: number }).id);
  }

  private load(): void {
    this.keyed.clear();
    this.metric.clear();
    this.unsent.clear();
    this.dirty.clear();
    this.gone = [];
    this.waits.clear();
    this.saving = [];
    this.saved = 0;
    this.stored.clear();
    for (const i of this.store.loadInstances()) {
      this.stored.add(i);
      if (i.phase === 'firing' && !i.notified) this.unsent.add(i);
      this.keyed.set(instanceKey(i.rule, i.key), i);
    }
    this.place(false);
  }

  /**
   * Sorts the instances by their rule's kind (a row names its rule only): a metric rule's wait
   * in its series' slot for the series to come by; with `forget`, a rule that is gone takes its
   * instances with it (nothing sent).
   */
  private place(forget: boolean): void {
    const rules = new Map(this.config.rules.map((r) => [r.name, r]));
    for (const [k, i] of this.keyed) {
      const r = rules.get(i.rule);
      if (r?.kind === 'metric') {
        this.keyed.delete(k);
        this.metric.add(i);
      } else if (!r && forget) {
        this.keyed.delete(k);
        this.forget(i);
      }
    }
    for (const i of this.metric) {
      if (rules.get(i.rule)?.kind === 'metric') continue;
      this.metric.delete(i);
      this.forget(i);
    }
    this.plans.reset(this.config.rules, this.metric);
  }

  /**
   * Back to what SQLite holds (after a pass failed and its transaction rolled back, memory
   * must not keep what the file does not).
   */
  reload(): void {
    this.load();
  }

  get rules(): Rule[] {
    return this.config.rules;
  }

  get receivers(): AlertConfig['receivers'] {
    return this.config.receivers;
  }

  firing(): Instance[] {
    const out: Instance[] = [];
    for (const i of this.keyed.values()) if (i.phase === 'firing') out.push(i);
    for (const i of this.metric) if (i.phase === 'firing') out.push(i);
    return out;
  }

  /** New rules: instances of rules that are gone are forgotten (nothing sent); the rest carry on. */
  setConfig(config: AlertConfig): void {
    this.config = config;
    this.commit(() => this.place(true));
  }

  /** Batches waiting to be judged, and waits to write (1 for any number that lasted WAIT_SAVE_S). */
  get queued(): number {
    return this.queue.length + this.saving.length - this.saved + (this.waitDue(this.deps.now()) ? 1 : 0);
  }

  /** Whether the oldest wait not written has lasted WAIT_SAVE_S. */
  private waitDue(now: number): boolean {
    for (const began of this.waits.values()) return now - began >= WAIT_SAVE_S;
    return false;
  }

  /** A batch the writer stored; judged a turn later, so ingest never waits on it. */
  observe(batch: ColumnBatch): void {
    // A batch with events has them judged at once too, rather than at the next pass.
    const events = (batch.events?.length ?? 0) > 0;
    if (this.closed) return;
    if (events) this.eventsWaiting = true;
    if (!events && !this.plans.anyMetric) return;
    this.queue.push(batch);
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.closed) return;
      try {
        this.drain(SLICE_MS);
      } catch (e) {
        this.deps.onError?.(e as Error);
      }
    });
  }

  /**
   * Judges the queued batches: all of them (tests call it instead of waiting a turn), or for about
   * `budgetMs`, the rest a turn later.
   */
  drain(budgetMs = Infinity): void {
    const until = performance.now() + budgetMs;
    if (this.queue.length || this.eventsWaiting) this.judgeQueued(until);
    // What time is left goes to writing `for:` waits down.
    if (performance.now() < until && (this.saved < this.saving.length || this.waitDue(this.deps.now())))
      this.commit(() => this.writeWaits(until, this.deps.now() - WAIT_SAVE_S));
    if (this.queued) this.schedule();
  }

  private judgeQueued(until: number): void {
    const now = this.deps.now();
    this.commit(() => {
      let n = 0;
      while (n < this.queue.length) {
        this.judgeBatch(this.queue[n++], now);
        if (performance.now() >= until) break;
      }
      this.queue = n === this.queue.length ? [] : this.queue.slice(n);
      if (this.eventsWaiting) {
        this.eventsWaiting = false;
        this.judgeEvents(now);
      }
    });
  }

  /**
   * One pass of what time alone changes: silent hosts, new events, restart loops that calmed down,
   * late firings now current. Queued batches and waits to write are left to the slices.
   */
  pass(): void {
    const now = this.deps.now();
    this.commit(() => {
      this.judgeHosts(now);
      this.judgeEvents(now);
      const byName = new Map(this.config.rules.map((r) => [r.name, r]));
      for (const i of [...this.keyed.values()]) {
        if (i.phase !== 'firing') continue;
        const rule = byName.get(i.rule);
        if (rule?.kind === 'event' && rule.event === 'restart_loop' && now - i.lastTs >= rule.withinS)
          this.resolve(rule, i, i.lastTs + rule.withinS, now, null);
      }
      for (const i of [...this.unsent]) {
        const rule = byName.get(i.rule);
        if (rule && i.phase === 'firing' && now - i.lastTs <= LATE_S) this.sendLate(rule, i, now);
      }
      if (++this.passes % SWEEP_EVERY === 0)
        for (const i of this.metric)
          if (i.phase === 'pending' && now - i.lastTs > PENDING_IDLE_S) {
            this.plans.unslot(i);
            this.dropMetric(i);
          }
    });
    if (this.queued) this.schedule();
  }

  /** Judges what is queued, writes every `for:` wait, and takes no more batches (the server is stopping). */
  close(): void {
    if (this.closed) return;
    this.judgeQueued(Infinity);
    this.commit(() => this.writeWaits(Infinity, Infinity));
    this.closed = true;
  }

  /**
   * Writes the waits begun by `began` (and still waiting: one that fired or ended is no wait), a
   * few thousand at a time in the table's key order (neighbours share its pages), until `until`.
   */
  private writeWaits(until: number, began: number): void {
    this.flushGone();
    let n = 0;
    for (;;) {
      if (this.saved === this.saving.length) {
        this.saving = [];
        this.saved = 0;
        for (const [i, t] of this.waits) {
          if (t > began || this.saving.length === SAVE_CHUNK) break;
          this.waits.delete(i);
          this.saving.push(i);
        }
        if (!this.saving.length) return;
        this.saving.sort(byKey);
      }
      const i = this.saving[this.saved++];
      if (i.phase === 'pending' && this.metric.has(i) && !this.stored.has(i)) {
        this.store.save(i);
        this.stored.add(i);
      }
      if ((++n & 63) === 0 && performance.now() >= until) return;
    }
  }

  /** Rows of instances that ended go before any is written (a series' next instance has the same key). */
  private flushGone(): void {
    if (this.gone.length > 1) this.gone.sort(byKey);
    for (const g of this.gone) this.store.remove(g.rule, g.key);
    this.gone = [];
  }

  /** Runs `fn` in one transaction with the state rows it changed. */
  private commit(fn: () => void): void {
    this.store.transaction(() => {
      fn();
      this.flushGone();
      for (const i of this.dirty) {
        this.store.save(i);
        this.stored.add(i);
      }
      this.dirty.clear();
    });
  }

  /** Its row is written with this slice (a firing, its band, its end…). */
  private touch(i: Instance): void {
    this.dirty.add(i);
    this.waits.delete(i);
  }

  /**
   * Its row goes at the end of the slice: at once even for a wait, as a wait that ended but was
   * read back after a crash would make its rule fire early.
   */
  private forget(i: Instance): void {
    this.dirty.delete(i);
    this.waits.delete(i);
    this.unsent.delete(i);
    if (this.stored.has(i)) {
      this.stored.delete(i);
      this.gone.push({ rule: i.rule, key: i.key });
    }
  }

  private judgeBatch(batch: ColumnBatch, now: number): void {
    const hp = this.plans.host(batch.agent.host);
    if (hp.self.groups.length && batch.host) this.feedColumns(hp.self, batch.host.ts, batch.host.metrics, now);
    if (hp.containerRules.length)
      for (const c of batch.containers)
        this.feedColumns(this.plans.container(hp, c.name, c.compose_project ?? null), c.ts, c.metrics, now);
    let projects: Map<string, string | null> | undefined;
    for (const s of batch.series) {
      if (!this.plans.labelledMetric(s.container ? 'container' : 'host', s.name)) continue;
      // A host metric sent as a column is judged from the column only.
      if (!s.container && batch.host?.metrics[s.name]) continue;
      let project: string | null = null;
      if (s.container) {
        projects ??= new Map(batch.containers.map((c) => [c.name, c.compose_project ?? null]));
        project = projects.get(s.container) ?? null;
      }
      const plan = this.plans.labelled(hp, s.container ?? null, s.labels, canonicalLabels(s.labels), s.name, project);
      if (plan.groups.length) this.feed(plan, plan.groups[0], s.ts, s.values, now);
    }
  }

  private feedColumns(
    plan: SeriesPlan,
    ts: readonly number[],
    metrics: Record<string, readonly (number | null)[]>,
    now: number,
  ): void {
    for (const g of plan.groups) {
      const col = metrics[g.metric];
      if (col) this.feed(plan, g, ts, col, now);
    }
  }

  /** One column of samples against the rules of one metric (their slots from the group's `at` on). */
  private feed(
    plan: SeriesPlan,
    g: Group,
    ts: readonly number[],
    values: readonly (number | null)[],
    now: number,
  ): void {
    // The common case: nothing pending or firing, and every sample on the good side of every rule.
    if (plan.slots === null) {
      let j = 0;
      for (; j < values.length; j++) {
        const v = values[j];
        if (v !== null && (v > g.above || v < g.below)) break;
      }
      if (j === values.length) return;
    }
    const { rules, at } = g;
    for (let r = 0; r < rules.length; r++) {
      const rule = rules[r];
      let i = plan.slots?.[at + r];
      for (let j = 0; j < values.length; j++) {
        const v = values[j];
        if (v === null) continue;
        if (i === undefined) {
          // The common case: nothing pending or firing and this sample on the good side.
          if (!past(rule, v)) continue;
          i = this.start(plan, at + r, rule, ts[j], v, now);
          continue;
        }
        const step = stepThreshold(i, rule, ts[j], v);
        if (step === 'none') continue;
        if (step === 'fire') this.fire(rule, i, now, metricSummary(rule, i, 'firing', v));
        else if (step === 'band') this.touch(i);
        else {
          if (step === 'resolve') this.resolve(rule, i, i.clearSince!, now, v);
          else this.dropMetric(i);
          clearSlot(plan, at + r);
          i = undefined;
        }
      }
    }
  }

  /** A series went past a rule's threshold: its `for:` wait begins (written once it lasted WAIT_SAVE_S). */
  private start(plan: SeriesPlan, slot: number, rule: MetricRule, ts: number, v: number, now: number): Instance {
    const t = begin(rule, ts, v);
    const i: Instance = {
      rule: rule.name,
      key: plan.key,
      host: plan.host,
      container: plan.container,
      labels: plan.labels,
      phase: 'pending',
      since: t.since,
      clearSince: null,
      value: v,
      lastTs: ts,
      notified: false,
      historyId: null,
    };
    (plan.slots ??= new Array<Instance | undefined>(plan.size))[slot] = i;
    this.metric.add(i);
    this.waits.set(i, now);
    if (t.phase === 'firing') this.fire(rule, i, now, metricSummary(rule, i, 'firing', v));
    return i;
  }

  private dropMetric(i: Instance): void {
    this.metric.delete(i);
    this.forget(i);
  }

  private fire(rule: Rule, i: Instance, now: number, summary: string): void {
    const late = now - i.lastTs > LATE_S;
    const p = payload(rule, i, 'firing', { started: i.since, ended: null }, i.value, summary, this.deps.publicUrl());
    i.phase = 'firing';
    i.notified = !late;
    i.historyId = this.store.record(p, late, late ? [] : rule.notify, now);
    if (late) this.unsent.add(i);
    this.touch(i);
    if (!late) this.deps.onRecorded?.();
  }

  private sendLate(rule: Rule, i: Instance, now: number): void {
    this.unsent.delete(i);
    if (i.historyId === null) return;
    i.notified = true;
    const summary =
      rule.kind === 'metric' ? metricSummary(rule, i, 'firing', i.value ?? 0) : this.firingSummary(rule, i);
    const p = payload(rule, i, 'firing', { started: i.since, ended: null }, i.value, summary, this.deps.publicUrl());
    this.store.sendLate(i.historyId, p, rule.notify, now);
    this.touch(i);
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
    if (rule.kind === 'metric') this.metric.delete(i);
    else this.keyed.delete(instanceKey(i.rule, i.key));
    this.forget(i);
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

  /** The hosts silent now, and those whose silence fired (to see whether they are back). */
  private judgeHosts(now: number): void {
    if (!this.plans.anyOffline) return;
    type HostRow = { name: string; interval: number; lastTs: number };
    const rows = new Map<string, HostRow>();
    for (const h of this.s.silentHosts.all(now, SILENT_GRACE_S) as HostRow[]) rows.set(h.name, h);
    const offline = new Set(
      this.config.rules.filter((r) => r.kind === 'event' && r.event === 'host_offline').map((r) => r.name),
    );
    for (const i of this.keyed.values()) {
      if (rows.has(i.host) || !offline.has(i.rule)) continue;
      const h = this.s.host.get(i.host) as HostRow | undefined;
      if (h) rows.set(h.name, h);
    }
    for (const h of rows.values()) {
      const hp: HostPlan = this.plans.host(h.name);
      if (!hp.offline.length) continue;
      const window = 2 * h.interval + SILENT_GRACE_S;
      for (let r = 0; r < hp.offline.length; r++) {
        const rule = hp.offline[r];
        const k = hp.offlineKeys[r];
        const i = this.keyed.get(k);
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
        this.keyed.set(k, inst);
        this.fire(rule, inst, now, eventSummary('host_offline', inst, 'firing', { since: h.lastTs }));
      }
    }
  }

  private judgeEvents(now: number): void {
    const rules = this.config.rules.filter((r): r is EventRule => r.kind === 'event' && r.event !== 'host_offline');
    let cursor = this.store.meta(EVENTS_CURSOR) ?? 0;
    const from = cursor;
    for (;;) {
      const rows = this.s.events.all(cursor) as EventRow[];
      for (const e of rows) for (const rule of rules) this.judgeEvent(rule, e, now);
      if (rows.length) cursor = rows[rows.length - 1].id;
      if (rows.length < EVENT_PAGE) break;
    }
    if (cursor !== from) this.store.setMeta(EVENTS_CURSOR, cursor);
  }

  private judgeEvent(rule: EventRule, e: EventRow, now: number): void {
    if (!rule.hosts(e.host) || !rule.containers(e.container) || !rule.composeProject(e.compose_project)) return;
    const key = `${e.host}\u0000${e.container}`;
    const k = instanceKey(rule.name, key);
    const i = this.keyed.get(k);
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
      this.keyed.set(k, inst);
      this.fire(rule, inst, now, summary);
    };
    // An event from before the instance began (stored after it: a batch that came late) ends nothing.
    const ends = i !== undefined && ts >= i.since;
    if (e.type === 'destroy') {
      if (ends) this.resolve(rule, i, ts, now, null, 'removed');
      return;
    }
    const unasked = e.type === 'die' && e.cause !== 'kill';
    switch (rule.event) {
      case 'oom':
        if (e.type === 'oom' && !i) start(null, ts, eventSummary('oom', subject, 'firing', {}));
        else if (e.type === 'start' && ends) this.resolve(rule, i, ts, now, null);
        return;
      case 'die':
        if (unasked && !i) start(e.exit_code, ts, eventSummary('die', subject, 'firing', { exitCode: e.exit_code }));
        else if (e.type === 'start' && ends) this.resolve(rule, i, ts, now, null);
        return;
      case 'unhealthy':
        if (e.type === 'health_status' && e.health === 'unhealthy' && !i)
          start(null, ts, eventSummary('unhealthy', subject, 'firing', {}));
        else if (e.type === 'health_status' && e.health === 'healthy' && ends) this.resolve(rule, i, ts, now, null);
        return;
      case 'restart_loop': {
        if (!unasked) return;
        if (i) {
          i.lastTs = Math.max(i.lastTs, ts);
          i.value = (i.value ?? 0) + 1;
          this.touch(i);
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
