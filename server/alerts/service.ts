// Alerts in a running server: the rules file (--alerts) loaded and watched, the evaluator's
// passes and the delivery loop on timers, and what GET /api/v1/alerts shows.
// The file is watched with fs.watch on its folder (editors replace a file by renaming another
// over it, which a watch on the file itself misses) and, as a fallback, its mtime and size
// every few seconds. A bad file is refused with its line and field, logged and shown on the
// page; the rules before it keep running.
import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import type { ColumnBatch } from '../../protocol/batch.ts';
import type { AlertsResponse } from '../../protocol/alerts.ts';
import type { Logger } from '../../lib/log.ts';
import { every, type Clock } from '../../lib/clock.ts';
import { throttle } from '../../lib/log-throttle.ts';
import { AlertEvaluator } from './evaluator.ts';
import { Delivery, sender, type Send } from './delivery.ts';
import { describeRule, parseRuleFile, RuleFileError, type AlertConfig } from './rule-file.ts';
import { pageUrl } from './words.ts';
import type { SmtpConfig } from './smtp-url.ts';
import { ConfigError } from '../../lib/options.ts';

export interface AlertsOptions {
  sqlite: Database.Database;
  file: string;
  smtp?: SmtpConfig;
  publicUrl: () => string;
  /** Epoch seconds. */
  now: () => number;
  clock: Clock;
  log: Logger;
  /** Seconds between passes (silent hosts, events); 10 by default. */
  passEveryS?: number;
  /** How the receivers are reached; real HTTP and SMTP unless a test says otherwise. */
  send?: Send;
}

const HISTORY_SHOWN = 100;
const HISTORY_KEPT_S = 90 * 86_400;
const FILE_CHECK_MS = 3000;

export class Alerts {
  readonly evaluator: AlertEvaluator;
  readonly delivery: Delivery;
  private loadedAt: number | null = null;
  private error: string | null = null;
  private stamp = '';
  private stops: (() => void)[] = [];
  private watcher: fs.FSWatcher | undefined;
  private reloadTimer: NodeJS.Timeout | undefined;
  private trouble = throttle();

  constructor(private o: AlertsOptions) {
    this.evaluator = new AlertEvaluator({
      sqlite: o.sqlite,
      now: o.now,
      publicUrl: o.publicUrl,
      onRecorded: () => queueMicrotask(() => this.delivery.tick()),
      onError: (e) => this.failed(e),
    });
    this.delivery = new Delivery({
      store: this.evaluator.store,
      receivers: () => this.evaluator.receivers,
      send: o.send ?? sender(o.smtp),
      now: o.now,
      clock: o.clock,
      log: o.log,
    });
    // At start a file that cannot be read or is wrong stops the server, naming the flag.
    const first = this.read();
    if (first instanceof Error) throw new ConfigError(`--alerts (BERTH_ALERTS): ${first.message}`);
    this.apply(first);
  }

  /** Starts the timers and the file watch. */
  start(): void {
    const passMs = (this.o.passEveryS ?? 10) * 1000;
    this.stops.push(every(this.o.clock, passMs, () => this.pass()));
    this.delivery.start();
    this.stops.push(every(this.o.clock, FILE_CHECK_MS, () => this.checkFile()));
    try {
      const dir = path.dirname(path.resolve(this.o.file));
      const base = path.basename(this.o.file);
      this.watcher = fs.watch(dir, (_type, name) => {
        if (name !== null && name !== base) return;
        clearTimeout(this.reloadTimer);
        this.reloadTimer = setTimeout(() => this.checkFile(), 150);
        this.reloadTimer.unref();
      });
      this.watcher.on('error', () => this.watcher?.close());
      this.watcher.unref();
    } catch {
      // The periodic check still sees changes.
    }
  }

  observe(batch: ColumnBatch): void {
    this.evaluator.observe(batch);
  }

  pass(): void {
    try {
      this.evaluator.pass();
      this.delivery.tick();
      this.evaluator.store.trim(this.o.now() - HISTORY_KEPT_S);
    } catch (e) {
      this.failed(e as Error);
    }
  }

  /** A pass or a turn of judging failed (its transaction rolled back): said once a minute, memory back to the file. */
  private failed(e: Error): void {
    const t = this.trouble(e.message);
    if (t.write) this.o.log.error(`alert evaluation: ${e.message}${t.more}`);
    try {
      this.evaluator.reload();
    } catch {
      // The file cannot be read either: the next pass tries again.
    }
  }

  /** Reads the file again when its mtime or size changed (or it was replaced). */
  checkFile(): void {
    let st: fs.Stats;
    try {
      st = fs.statSync(this.o.file);
    } catch (e) {
      const msg = `cannot read it (${(e as NodeJS.ErrnoException).code ?? 'error'}); the previous rules keep running`;
      if (this.error !== msg) this.o.log.error(`--alerts ${this.o.file}: ${msg}`);
      this.error = msg;
      this.stamp = '';
      return;
    }
    if (`${st.ino}:${st.mtimeMs}:${st.size}` === this.stamp) return;
    const next = this.read();
    if (next instanceof Error) {
      this.error = `${next.message} (the previous rules keep running)`;
      this.o.log.error(`--alerts ${this.o.file}: refused: ${this.error}`);
      return;
    }
    this.apply(next);
    this.o.log.info(`--alerts ${this.o.file}: loaded ${next.rules.length} rules, ${next.receivers.size} receivers`);
  }

  private read(): AlertConfig | Error {
    try {
      const st = fs.statSync(this.o.file);
      const text = fs.readFileSync(this.o.file, 'utf8');
      this.stamp = `${st.ino}:${st.mtimeMs}:${st.size}`;
      return parseRuleFile(text, { smtp: this.o.smtp !== undefined });
    } catch (e) {
      if (e instanceof RuleFileError) return e;
      return new Error(`cannot read ${this.o.file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  }

  private apply(c: AlertConfig): void {
    this.evaluator.setConfig(c);
    this.loadedAt = this.o.now();
    this.error = null;
  }

  view(): AlertsResponse {
    const ev = this.evaluator;
    return {
      file: { path: this.o.file, loaded_at: this.loadedAt, error: this.error },
      rules: ev.rules.map((r) => ({ name: r.name, condition: describeRule(r), notify: r.notify })),
      receivers: [...ev.receivers.values()].map((r) => ({ name: r.name, kind: r.kind })),
      firing: ev
        .firing()
        .sort((a, b) => b.since - a.since)
        .map((i) => {
          const h = i.historyId === null ? undefined : ev.store.payloadOf(i.historyId);
          return {
            rule: i.rule,
            host: i.host,
            container: i.container,
            labels: i.labels,
            value: i.value,
            started_at: i.since,
            notified: i.notified,
            url: pageUrl(this.o.publicUrl(), i),
            summary: h?.summary ?? i.rule,
          };
        }),
      history: ev.store.recent(HISTORY_SHOWN).map(({ row, deliveries }) => ({
        id: row.id,
        status: row.status,
        rule: row.rule,
        host: row.host,
        container: row.container,
        started_at: row.started_at,
        ended_at: row.ended_at,
        summary: (JSON.parse(row.payload) as { summary: string }).summary,
        late: row.late === 1,
        at: row.at,
        deliveries: deliveries.map((d) => ({
          receiver: d.receiver,
          state: d.delivered_at !== null ? 'delivered' : d.failed_at !== null ? 'failed' : 'retrying',
          attempts: d.attempts,
          error: d.last_error,
        })),
      })),
      failures: ev.store.failures(50).map((d) => ({
        receiver: d.receiver,
        rule: d.rule,
        host: d.host,
        status: d.status,
        attempts: d.attempts,
        error: d.last_error ?? '',
        next_at: d.next_at,
      })),
    };
  }

  async close(): Promise<void> {
    for (const s of this.stops) s();
    this.evaluator.close();
    this.watcher?.close();
    clearTimeout(this.reloadTimer);
    await this.delivery.close();
  }
}
