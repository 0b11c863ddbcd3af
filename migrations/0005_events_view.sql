-- Container events readable with the sqlite3 CLI: host and container by name, the time as ISO
-- 8601 UTC with milliseconds, and `ts` as epoch seconds with the sub-second part.
CREATE VIEW container_events AS
  SELECT e.id, h.name AS host, e.container, e.type,
         strftime('%Y-%m-%dT%H:%M:%S', e.ts, 'unixepoch') || printf('.%03dZ', e.ns / 1000000) AS time,
         e.ts + e.ns / 1e9 AS ts,
         e.exit_code, e.signal, e.health, e.cause, e.image, e.compose_project, e.compose_service,
         e.container_id, e.attrs,
         strftime('%Y-%m-%dT%H:%M:%SZ', e.received_at, 'unixepoch') AS received
  FROM events e JOIN hosts h ON h.id = e.host_id;
