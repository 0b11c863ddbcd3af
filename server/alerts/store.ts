// The alert evaluator's rows in SQLite (server/db/schema.ts: alert_state, alert_history,
// alert_deliveries, alert_meta): what is pending or firing, every transition and what was sent
// for it, each receiver's deliveries. Every statement prepared once, parameterized.
import type Database from 'better-sqlite3';
import type { AlertPayload } from '../../protocol/alerts.ts';

export interface Instance {
  rule: string;
  key: string;
  host: string;
  container: string | null;
  labels: Record<string, string> | null;
  phase: 'pending' | 'firing';
  since: number;
  clearSince: number | null;
  value: number | null;
  lastTs: number;
  notified: boolean;
  historyId: number | null;
}

interface StateRow {
  rule: string;
  key: string;
  host: string;
  container: string | null;
  labels: string | null;
  phase: string;
  since: number;
  clear_since: number | null;
  value: number | null;
  last_ts: number;
  notified: number;
  history_id: number | null;
}

export interface HistoryRow {
  id: number;
  status: 'firing' | 'resolved';
  rule: string;
  host: string;
  container: string | null;
  started_at: number;
  ended_at: number | null;
  payload: string;
  late: number;
  at: number;
}

export interface DeliveryRow {
  id: number;
  history_id: number;
  receiver: string;
  attempts: number;
  next_at: number | null;
  last_error: string | null;
  delivered_at: number | null;
  failed_at: number | null;
  created_at: number;
}

export class AlertStore {
  private s;

  constructor(private db: Database.Database) {
    this.s = {
      states: db.prepare('SELECT * FROM alert_state'),
      upsert: db.prepare(
        `INSERT INTO alert_state (rule, key, host, container, labels, phase, since, clear_since, value, last_ts, notified, history_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (rule, key) DO UPDATE SET host = excluded.host, container = excluded.container, labels = excluded.labels,
           phase = excluded.phase, since = excluded.since, clear_since = excluded.clear_since, value = excluded.value,
           last_ts = excluded.last_ts, notified = excluded.notified, history_id = excluded.history_id`,
      ),
      remove: db.prepare('DELETE FROM alert_state WHERE rule = ? AND key = ?'),
      history: db.prepare(
        `INSERT INTO alert_history (status, rule, host, container, started_at, ended_at, payload, late, at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      unlate: db.prepare('UPDATE alert_history SET late = 0, payload = ? WHERE id = ?'),
      deliver: db.prepare(
        'INSERT INTO alert_deliveries (history_id, receiver, attempts, next_at, created_at) VALUES (?, ?, 0, ?, ?)',
      ),
      meta: db.prepare('SELECT value FROM alert_meta WHERE name = ?'),
      setMeta: db.prepare(
        'INSERT INTO alert_meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
      ),
      due: db.prepare(
        `SELECT d.*, h.payload FROM alert_deliveries d JOIN alert_history h ON h.id = d.history_id
         WHERE d.next_at IS NOT NULL AND d.next_at <= ? ORDER BY d.id LIMIT ?`,
      ),
      delivered: db.prepare(
        'UPDATE alert_deliveries SET attempts = attempts + 1, next_at = NULL, delivered_at = ?, last_error = NULL WHERE id = ?',
      ),
      retry: db.prepare(
        'UPDATE alert_deliveries SET attempts = attempts + 1, next_at = ?, last_error = ? WHERE id = ?',
      ),
      giveUp: db.prepare(
        'UPDATE alert_deliveries SET attempts = attempts + 1, next_at = NULL, failed_at = ?, last_error = ? WHERE id = ?',
      ),
      payloadOf: db.prepare('SELECT payload FROM alert_history WHERE id = ?'),
      recent: db.prepare('SELECT * FROM alert_history ORDER BY id DESC LIMIT ?'),
      deliveriesOf: db.prepare('SELECT * FROM alert_deliveries WHERE history_id = ? ORDER BY id'),
      failures: db.prepare(
        `SELECT d.*, h.rule, h.host, h.status FROM alert_deliveries d JOIN alert_history h ON h.id = d.history_id
         WHERE d.delivered_at IS NULL AND d.last_error IS NOT NULL ORDER BY d.id DESC LIMIT ?`,
      ),
      trimHistory: db.prepare(
        'DELETE FROM alert_history WHERE at < ? AND id NOT IN (SELECT history_id FROM alert_state WHERE history_id IS NOT NULL)',
      ),
      trimDeliveries: db.prepare('DELETE FROM alert_deliveries WHERE history_id NOT IN (SELECT id FROM alert_history)'),
    };
  }

  loadInstances(): Instance[] {
    return (this.s.states.all() as StateRow[]).map((r) => ({
      rule: r.rule,
      key: r.key,
      host: r.host,
      container: r.container,
      labels: r.labels ? (JSON.parse(r.labels) as Record<string, string>) : null,
      phase: r.phase === 'firing' ? 'firing' : 'pending',
      since: r.since,
      clearSince: r.clear_since,
      value: r.value,
      lastTs: r.last_ts,
      notified: r.notified === 1,
      historyId: r.history_id,
    }));
  }

  save(i: Instance): void {
    // Positional: thousands of `for:` waits begin in a fleet's tick.
    this.s.upsert.run(
      i.rule,
      i.key,
      i.host,
      i.container,
      i.labels ? JSON.stringify(i.labels) : null,
      i.phase,
      i.since,
      i.clearSince,
      i.value,
      i.lastTs,
      i.notified ? 1 : 0,
      i.historyId,
    );
  }

  remove(rule: string, key: string): void {
    this.s.remove.run(rule, key);
  }

  /** Records a transition; with receivers (sent now), a delivery row for each, due at once. */
  record(p: AlertPayload, late: boolean, receivers: string[], now: number): number {
    const id = Number(
      this.s.history.run(
        p.status,
        p.rule,
        p.host,
        p.container,
        p.started_at,
        p.ended_at,
        JSON.stringify(p),
        late ? 1 : 0,
        now,
      ).lastInsertRowid,
    );
    for (const r of receivers) this.s.deliver.run(id, r, now, now);
    return id;
  }

  /** A firing recorded late is sent after all (its data caught up while it still fires). */
  sendLate(historyId: number, p: AlertPayload, receivers: string[], now: number): void {
    this.s.unlate.run(JSON.stringify(p), historyId);
    for (const r of receivers) this.s.deliver.run(historyId, r, now, now);
  }

  meta(name: string): number | undefined {
    return (this.s.meta.get(name) as { value: number } | undefined)?.value;
  }

  setMeta(name: string, value: number): void {
    this.s.setMeta.run(name, value);
  }

  due(now: number, limit: number): (DeliveryRow & { payload: string })[] {
    return this.s.due.all(now, limit) as (DeliveryRow & { payload: string })[];
  }

  delivered(id: number, now: number): void {
    this.s.delivered.run(now, id);
  }

  retry(id: number, nextAt: number, error: string): void {
    this.s.retry.run(nextAt, error, id);
  }

  giveUp(id: number, now: number, error: string): void {
    this.s.giveUp.run(now, error, id);
  }

  payloadOf(id: number): AlertPayload | undefined {
    const r = this.s.payloadOf.get(id) as { payload: string } | undefined;
    return r && (JSON.parse(r.payload) as AlertPayload);
  }

  recent(limit: number): { row: HistoryRow; deliveries: DeliveryRow[] }[] {
    return (this.s.recent.all(limit) as HistoryRow[]).map((row) => ({
      row,
      deliveries: this.s.deliveriesOf.all(row.id) as DeliveryRow[],
    }));
  }

  failures(limit: number): (DeliveryRow & { rule: string; host: string; status: 'firing' | 'resolved' })[] {
    return this.s.failures.all(limit) as (DeliveryRow & {
      rule: string;
      host: string;
      status: 'firing' | 'resolved';
    })[];
  }

  /** History older than `before` goes (a firing alert's own row stays while it fires). */
  trim(before: number): void {
    this.s.trimHistory.run(before);
    this.s.trimDeliveries.run();
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }
}
