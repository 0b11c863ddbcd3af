// GET /api/v1/hosts: every host with last seen, online/offline, its newest values, its
// containers (running and recently gone) and compose projects.
import { Hono } from 'hono';
import { HOST_METRIC_NAMES, CONTAINER_METRIC_NAMES } from '../../protocol/metrics.ts';
import type { AppDeps } from '../deps.ts';

/** A host is offline once it missed two intervals (plus a little for collection time). */
export function isOnline(now: number, lastSeen: number, interval: number): boolean {
  return now - lastSeen <= 2 * interval + 2;
}

/** A host clock this far ahead of the server's still counts as now (a snapshot further ahead is an outlier). */
const CLOCK_SKEW_SECONDS = 300;

/** Containers not seen for this long drop off the list (their history stays queryable). */
const RECENTLY_GONE_SECONDS = 86400;

/** How many of an entity's newest rows `latest` looks through for a metric the newest lacks. */
const LATEST_ROWS = 3;

type Row = Record<string, unknown> & { ts: number };

/**
 * Each metric's newest value among `rows` (newest first), from rows no older than two intervals
 * before the newest: a metric the newest sample lacks (a rate on the agent's first reading
 * after a restart, a collector that missed a tick) shows its value of a tick ago rather than
 * vanishing, and one gone for longer is left out.
 */
function pick(rows: Row[], names: readonly string[], interval: number): Record<string, number> {
  const out: Record<string, number> = {};
  if (rows.length === 0) return out;
  const oldest = rows[0].ts - 2 * interval;
  for (const n of names) {
    const row = rows.find((r) => r.ts >= oldest && typeof r[n] === 'number');
    if (row) out[n] = row[n] as number;
  }
  return out;
}

export function hostsRoute({ db, now }: AppDeps): Hono {
  const sqlite = db.$client;
  const app = new Hono();
  app.get('/', (c) => {
    const t = now();
    const hosts = sqlite
      .prepare(
        'SELECT id, name, machine_id, agent_version, interval_s, first_seen, last_seen, last_ts, clock_offset_s FROM hosts ORDER BY name',
      )
      .all() as {
      id: number;
      name: string;
      machine_id: string | null;
      agent_version: string | null;
      interval_s: number;
      first_seen: number;
      last_seen: number;
      last_ts: number;
      clock_offset_s: number | null;
    }[];
    // Newest means newest up to now (give or take a clock's skew): a snapshot an agent stamped
    // hours ahead (ingest takes up to a day) must not stand for "now" until then.
    const latestHost = sqlite.prepare(
      `SELECT * FROM host_samples WHERE host_id = ? AND ts <= ? ORDER BY ts DESC LIMIT ${LATEST_ROWS}`,
    );
    const newestContainer = sqlite.prepare(
      `SELECT * FROM container_samples WHERE container_id = ? AND ts <= ? ORDER BY ts DESC LIMIT ${LATEST_ROWS}`,
    );
    const newestRows = (stmt: typeof latestHost, id: number, bound: number, fallback: number): Row[] => {
      const rows = stmt.all(id, bound) as Row[];
      return rows.length ? rows : (stmt.all(id, fallback) as Row[]);
    };
    const containers = sqlite.prepare(
      `SELECT id, name, container_id, image, state, compose_project, compose_service, labels, first_seen, last_seen
       FROM containers WHERE host_id = ? AND last_seen >= ? ORDER BY compose_project IS NULL, compose_project, name`,
    );
    return c.json({
      now: t,
      hosts: hosts.map((h) => {
        // A clock a few minutes fast still counts as now; only where nothing at all lies within
        // that (every sample ahead) is the newest taken as it is.
        const bound = t + Math.max(2 * h.interval_s, CLOCK_SKEW_SECONDS);
        const hostRows = newestRows(latestHost, h.id, bound, Number.MAX_SAFE_INTEGER);
        const ref = h.last_ts <= bound ? h.last_ts : hostRows.length ? hostRows[0].ts : h.last_ts;
        const rows = containers.all(h.id, ref - RECENTLY_GONE_SECONDS) as {
          id: number;
          name: string;
          container_id: string;
          image: string | null;
          state: string | null;
          compose_project: string | null;
          compose_service: string | null;
          labels: string | null;
          first_seen: number;
          last_seen: number;
        }[];
        const list = rows.map((r) => {
          const newest = newestRows(newestContainer, r.id, Math.min(r.last_seen, bound), r.last_seen);
          const lastSeen = r.last_seen <= bound ? r.last_seen : newest.length ? newest[0].ts : r.last_seen;
          // Present in the host's newest snapshot means running now.
          const running = lastSeen >= ref - h.interval_s && (r.state ?? 'running') === 'running';
          return {
            name: r.name,
            id: r.container_id,
            image: r.image,
            state: running ? (r.state ?? 'running') : 'gone',
            running,
            compose_project: r.compose_project,
            compose_service: r.compose_service,
            labels: r.labels ? (JSON.parse(r.labels) as Record<string, string>) : {},
            first_seen: r.first_seen,
            last_seen: lastSeen,
            latest: pick(newest, CONTAINER_METRIC_NAMES, h.interval_s),
          };
        });
        return {
          name: h.name,
          machine_id: h.machine_id,
          agent_version: h.agent_version,
          interval: h.interval_s,
          first_seen: h.first_seen,
          last_seen: h.last_seen,
          last_ts: h.last_ts,
          /** Seconds the agent's clock is ahead of the server's (negative: behind); null until known. */
          clock_offset: h.clock_offset_s,
          online: isOnline(t, h.last_seen, h.interval_s),
          latest: pick(hostRows, HOST_METRIC_NAMES, h.interval_s),
          containers: list,
          compose_projects: [...new Set(list.map((x) => x.compose_project).filter((p): p is string => !!p))].sort(),
        };
      }),
    });
  });
  return app;
}
