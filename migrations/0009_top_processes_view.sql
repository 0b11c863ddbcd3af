-- process_samples becomes WITHOUT ROWID: rows are found by (host, ts), the start of the
-- primary key, which then is the table itself. Empty at this point (made by 0008).
DROP TABLE `process_samples`;
--> statement-breakpoint
CREATE TABLE `process_samples` (
	`host_id` integer NOT NULL,
	`ts` integer NOT NULL,
	`pid` integer NOT NULL,
	`name_id` integer NOT NULL,
	`cpu_centipct` integer,
	`mem_bytes` integer NOT NULL,
	`read_bps` integer,
	`write_bps` integer,
	PRIMARY KEY(`host_id`, `ts`, `pid`)
) WITHOUT ROWID;
--> statement-breakpoint
-- Top processes in plain units, for SQL: one row per process per tick of its host's list.
CREATE VIEW top_processes AS
SELECT h.name AS host, p.ts, datetime(p.ts, 'unixepoch') AS time, p.pid, n.name, n.command,
       nullif(n.user, '') AS user, nullif(n.container, '') AS container,
       p.cpu_centipct / 100.0 AS cpu_pct, p.mem_bytes, p.read_bps, p.write_bps
FROM process_samples p
JOIN hosts h ON h.id = p.host_id
JOIN process_names n ON n.id = p.name_id;
