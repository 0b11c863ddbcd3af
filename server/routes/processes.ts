// GET /api/v1/processes?host=NAME[&at=TIME][&by=cpu|mem|io][&limit=N]: the top processes of a
// host at a moment ("what was eating the CPU at 03:12?"): the rows of the newest tick at or
// before `at` (default now), sorted by the measure asked. A tick more than two intervals
// before `at` is not that moment: then no rows (ts null).
import { Hono } from 'hono';
import { findHost } from '../query/entities.ts';
import { badRequest, parseIntParam, parseTime, requireParam } from '../query/params.ts';
import type { AppDeps } from '../deps.ts';
import type { ProcessesResponse, ProcessRowOut } from '../../protocol/batch.ts';

const ORDER = {
  cpu: 'p.cpu_centipct DESC NULLS LAST, p.mem_bytes DESC',
  mem: 'p.mem_bytes DESC',
  io: 'coalesce(p.read_bps, 0) + coalesce(p.write_bps, 0) DESC, p.cpu_centipct DESC NULLS LAST',
} as const;

export function processesRoute({ db, now }: AppDeps) {
  const sqlite = db.$client;
  const tickAt = sqlite
    .prepare('SELECT ts FROM process_samples WHERE host_id = ? AND ts <= ? ORDER BY ts DESC LIMIT 1')
    .pluck();
  const rowsBy = Object.fromEntries(
    Object.entries(ORDER).map(([by, order]) => [
      by,
      sqlite.prepare(
        `SELECT p.pid, n.name, n.command, nullif(n.user, '') AS user, nullif(n.container, '') AS container,
                p.cpu_centipct / 100.0 AS cpu_pct, p.mem_bytes, p.read_bps, p.write_bps
         FROM process_samples p JOIN process_names n ON n.id = p.name_id
         WHERE p.host_id = ? AND p.ts = ? ORDER BY ${order}, p.pid LIMIT ?`,
      ),
    ]),
  ) as unknown as Record<keyof typeof ORDER, { all(hostId: number, ts: number, limit: number): unknown[] }>;
  return new Hono().get('/', (c) => {
    const q = (k: string) => c.req.query(k);
    const host = findHost(sqlite, requireParam('host', q('host')));
    const at = parseTime('at', q('at')) ?? now();
    const by = q('by') ?? 'cpu';
    if (!Object.hasOwn(ORDER, by)) badRequest(`by: "${by.slice(0, 32)}" is not cpu, mem or io`);
    const limit = parseIntParam('limit', q('limit'), 30, 1, 1000);
    const ts = tickAt.get(host.id, at) as number | undefined;
    const near = ts !== undefined && at - ts <= 2 * Math.max(1, host.interval_s);
    const body: ProcessesResponse = {
      host: host.name,
      ts: near ? ts : null,
      rows: near ? (rowsBy[by as keyof typeof ORDER].all(host.id, ts, limit) as ProcessRowOut[]) : [],
    };
    return c.json(body);
  });
}
