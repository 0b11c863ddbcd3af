// GET /api/v1/events: a host's container events (protocol/events.ts), newest first, bounded;
// GET /api/v1/events/summary: per container over a range, what its row on the page says
// (restarts, OOM kills, last exit, health). Every bad parameter is a 400 naming it.
import { Hono } from 'hono';
import type Database from 'better-sqlite3';
import {
  EVENT_TYPES,
  type ContainerEventSummary,
  type EventCause,
  type EventRecord,
  type EventSummaryResponse,
  type EventsResponse,
} from '../../protocol/events.ts';
import { statement } from '../db/statements.ts';
import { findHost } from '../query/entities.ts';
import { badRequest, parseIntParam, parseList, parseRange, parseTime, requireParam } from '../query/params.ts';
import { declareQuery } from './input.ts';
import type { AppDeps } from '../deps.ts';

export const DEFAULT_EVENTS_LIMIT = 500;
export const MAX_EVENTS_LIMIT = 5000;

interface Row {
  id: number;
  ts: number;
  ns: number;
  type: string;
  container: string;
  container_id: string;
  image: string | null;
  exit_code: number | null;
  signal: number | null;
  health: string | null;
  cause: EventCause | null;
  compose_project: string | null;
  compose_service: string | null;
  attrs: string | null;
}

/** `type=a,b`: each a known type (else a 400 naming it), each once. */
function parseTypes(value: string | undefined): string[] {
  const types = [...new Set(parseList(value))];
  const unknown = types.find((t) => !(EVENT_TYPES as readonly string[]).includes(t));
  if (unknown !== undefined)
    badRequest(`type: unknown event type "${unknown.slice(0, 64)}" (known: ${EVENT_TYPES.join(', ')})`);
  return types;
}

/**
 * The condition for `container=`: its name, or when no event has that name and it looks like
 * one, a Docker id or id prefix (at least 4 hex digits), as the chart queries take it.
 */
function containerClause(sqlite: Database.Database, hostId: number, nameOrId: string): [string, unknown[]] {
  const named = statement(sqlite, 'SELECT 1 FROM events WHERE host_id = ? AND container = ? LIMIT 1').get(
    hostId,
    nameOrId,
  );
  if (named || !/^[0-9a-f]{4,64}$/.test(nameOrId)) return ['container = ?', [nameOrId]];
  return ['substr(container_id, 1, ?) = ?', [nameOrId.length, nameOrId]];
}

/** Epoch seconds to the microsecond, cut rather than rounded: never the next second's number. */
function seconds(ts: number, ns: number): number {
  return (ts * 1e6 + Math.floor(ns / 1000)) / 1e6;
}

function toRecord(r: Row, host: string): EventRecord {
  let attrs: Record<string, string> = {};
  try {
    if (r.attrs) attrs = JSON.parse(r.attrs) as Record<string, string>;
  } catch {
    /* a damaged cell: no attributes rather than no answer */
  }
  return {
    id: r.id,
    ts: seconds(r.ts, r.ns),
    time: new Date(r.ts * 1000 + Math.floor(r.ns / 1e6)).toISOString(),
    host,
    container: r.container,
    container_id: r.container_id,
    type: r.type,
    exit_code: r.exit_code,
    signal: r.signal,
    health: r.health,
    cause: r.cause,
    image: r.image,
    compose_project: r.compose_project,
    compose_service: r.compose_service,
    attrs,
  };
}

export function eventsRoute({ db, now }: AppDeps) {
  const sqlite = db.$client;
  return new Hono()
    .get('/', declareQuery<'host' | 'container' | 'from' | 'to' | 'type' | 'limit'>(), (c) => {
      const q = (k: string) => c.req.query(k);
      const host = findHost(sqlite, requireParam('host', q('host')));
      const from = parseTime('from', q('from'));
      const to = parseTime('to', q('to'));
      if (from !== undefined && to !== undefined && from > to) badRequest(`from (${from}) is after to (${to})`);
      const types = parseTypes(q('type'));
      const limit = parseIntParam('limit', q('limit'), DEFAULT_EVENTS_LIMIT, 1, MAX_EVENTS_LIMIT);
      const where = ['host_id = ?'];
      const args: unknown[] = [host.id];
      const container = q('container');
      if (container !== undefined) {
        if (container === '') badRequest('container: empty (leave it out for every container)');
        const [clause, values] = containerClause(sqlite, host.id, container);
        where.push(clause);
        args.push(...values);
      }
      if (from !== undefined) {
        where.push('ts >= ?');
        args.push(from);
      }
      if (to !== undefined) {
        where.push('ts <= ?');
        args.push(to);
      }
      if (types.length) {
        where.push(`type IN (${types.map(() => '?').join(', ')})`);
        args.push(...types);
      }
      const rows = statement(
        sqlite,
        `SELECT id, ts, ns, type, container, container_id, image, exit_code, signal, health, cause,
              compose_project, compose_service, attrs
       FROM events WHERE ${where.join(' AND ')} ORDER BY ts DESC, ns DESC, id DESC LIMIT ?`,
      ).all(...args, limit + 1) as Row[];
      const answer: EventsResponse = {
        events: rows.slice(0, limit).map((r) => toRecord(r, host.name)),
        truncated: rows.length > limit,
      };
      return c.json(answer);
    })
    .get('/summary', declareQuery<'host' | 'container' | 'from' | 'to'>(), (c) => {
      const q = (k: string) => c.req.query(k);
      const host = findHost(sqlite, requireParam('host', q('host')));
      const { from, to } = parseRange(q, now());
      const where = ['host_id = ?', 'ts >= ?', 'ts <= ?'];
      const args: unknown[] = [host.id, from, to];
      const container = q('container');
      if (container !== undefined && container !== '') {
        where.push('container = ?');
        args.push(container);
      }
      const out: Record<string, ContainerEventSummary> = {};
      const entry = (name: string) => (out[name] ??= { restarts: 0, ooms: 0, last_exit: null, health: null });
      const counts = statement(
        sqlite,
        `SELECT container, sum(type = 'start' AND cause = 'restart') AS restarts, sum(type = 'oom') AS ooms
       FROM events WHERE ${where.join(' AND ')} AND type IN ('start', 'oom') GROUP BY container`,
      ).all(...args) as { container: string; restarts: number; ooms: number }[];
      for (const r of counts) Object.assign(entry(r.container), { restarts: r.restarts, ooms: r.ooms });
      // Each container's newest death and newest health result in the range.
      const newest = statement(
        sqlite,
        `SELECT container, type, ts, ns, exit_code, cause, health FROM (
         SELECT container, type, ts, ns, exit_code, cause, health,
                row_number() OVER (PARTITION BY container, type ORDER BY ts DESC, ns DESC, id DESC) AS n
         FROM events WHERE ${where.join(' AND ')} AND type IN ('die', 'health_status'))
       WHERE n = 1`,
      ).all(...args) as Pick<Row, 'container' | 'type' | 'ts' | 'ns' | 'exit_code' | 'cause' | 'health'>[];
      for (const r of newest) {
        const e = entry(r.container);
        if (r.type === 'die') e.last_exit = { ts: seconds(r.ts, r.ns), exit_code: r.exit_code, cause: r.cause };
        else e.health = r.health;
      }
      const answer: EventSummaryResponse = { from, to, containers: out };
      return c.json(answer);
    });
}
