// GET /api/v1/hosts: every host with last seen, online/offline, its newest values, its
// containers (running and recently gone) and compose projects.
import { Hono } from 'hono';
import { HOST_METRIC_NAMES, CONTAINER_METRIC_NAMES } from '../../protocol/metrics.ts';
import type { AppDeps } from '../app.ts';

/** A host is offline once it missed two intervals (plus a little for collection time). */
export function isOnline(now: number, lastSeen: number, interval: number): boolean {
  return now - lastSeen <= 2 * interval + 2;
}

/** A host clock this far ahead of the server's still counts as now (a snapshot further ahead is an outlier). */
const CLOCK_SKEW_SECONDS = 300;

/** Containers not seen for this long drop off the list (their history stays queryable). */
const RECENTLY_GONE_SECONDS = 86400;

function pick(row: Record<string, unknown> | undefined, names: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  if (!row) return out;
  for (const n of names) if (typeof row[n] === 'number') out[n] = row[n] as number;
  return out;
}

export function hostsRoute({ db, now }: AppDeps): Hono {
  const sqlite = db.$client;
  const app = new Hono();
  app.get('/', (c) => {
    const t = now();
    const hosts = sqlite
      .prepare('SELECT id, name, machine_id, agent_version, interval_s, first_seen, last_seen, last_ts FROM hosts ORDER BY name')
      .all() as { id: number; name: string; machine_id: string | null; agent_version: string | null; interval_s: number; first_seen: number; last_seen: number; last_ts: number }[];
    // Newest means newest up to now (give or take a clock's skew): a snapshot an agent stamped
    // hours ahead (ingest takes up to a day) must not stand for "now" until then.
    const latestHost = sqlite.prepare('SELECT * FROM host_samples WHERE host_id = ? AND ts <= ? ORDER BY ts DESC LIMIT 1');
    const newestContainer = sqlite.prepare('SELECT * FROM container_samples WHERE container_id = ? AND ts <= ? ORDER BY ts DESC LIMIT 1');
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
        const hostRow = (latestHost.get(h.id, bound) ?? latestHost.get(h.id, Number.MAX_SAFE_INTEGER)) as Record<string, unknown> | undefined;
        const ref = h.last_ts <= bound ? h.last_ts : typeof hostRow?.ts === 'number' ? hostRow.ts : h.last_ts;
        const rows = containers.all(h.id, ref - RECENTLY_GONE_SECONDS) as {
          id: number; name: string; container_id: string; image: string | null; state: string | null;
          compose_project: string | null; compose_service: string | null; labels: string | null; first_seen: number; last_seen: number;
        }[];
        const list = rows.map((r) => {
          const newest = (newestContainer.get(r.id, Math.min(r.last_seen, bound)) ?? newestContainer.get(r.id, r.last_seen)) as
            | Record<string, unknown>
            | undefined;
          const lastSeen = r.last_seen <= bound ? r.last_seen : typeof newest?.ts === 'number' ? newest.ts : r.last_seen;
          // Present in the host's newest snapshot means running now.
          const running = lastSeen >= ref - h.interval_s && (r.state ?? 'running') === 'running';
          return {
            name: r.name,
            id: r.container_id,
            image: r.image,
            state: running ? r.state ?? 'running' : 'gone',
            running,
            compose_project: r.compose_project,
            compose_service: r.compose_service,
            labels: r.labels ? (JSON.parse(r.labels) as Record<string, string>) : {},
            first_seen: r.first_seen,
            last_seen: lastSeen,
            latest: pick(newest, CONTAINER_METRIC_NAMES),
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
          online: isOnline(t, h.last_seen, h.interval_s),
          latest: pick(hostRow, HOST_METRIC_NAMES),
          containers: list,
          compose_projects: [...new Set(list.map((x) => x.compose_project).filter((p): p is string => !!p))].sort(),
        };
      }),
    });
  });
  return app;
}
