// Finds hosts and containers named in a query; unknown ones are 404s naming what was asked.
import type Database from 'better-sqlite3';
import { HTTPException } from 'hono/http-exception';
import { statement } from '../db/statements.ts';

export interface HostRow {
  id: number;
  name: string;
  interval_s: number;
  last_seen: number;
  last_ts: number;
}

export function findHost(sqlite: Database.Database, name: string): HostRow {
  const row = statement(sqlite, 'SELECT id, name, interval_s, last_seen, last_ts FROM hosts WHERE name = ?').get(
    name,
  ) as HostRow | undefined;
  if (!row) throw new HTTPException(404, { message: `host "${name}" not found` });
  return row;
}

export interface ContainerRow {
  id: number;
  name: string;
  container_id: string;
}

/** By name first (history survives recreation), then by Docker id or id prefix (≥ 4 chars). */
export function findContainer(sqlite: Database.Database, hostId: number, nameOrId: string): ContainerRow {
  const byName = statement(sqlite, 'SELECT id, name, container_id FROM containers WHERE host_id = ? AND name = ?').get(
    hostId,
    nameOrId,
  ) as ContainerRow | undefined;
  if (byName) return byName;
  if (/^[0-9a-f]{4,64}$/.test(nameOrId)) {
    const byId = statement(
      sqlite,
      'SELECT id, name, container_id FROM containers WHERE host_id = ? AND substr(container_id, 1, ?) = ? ORDER BY last_seen DESC LIMIT 1',
    ).get(hostId, nameOrId.length, nameOrId) as ContainerRow | undefined;
    if (byId) return byId;
  }
  throw new HTTPException(404, { message: `container "${nameOrId}" not found on this host` });
}
