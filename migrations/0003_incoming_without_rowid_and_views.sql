-- The incoming tables become WITHOUT ROWID (the key is the table: one b-tree, rows of one
-- request adjacent), and the human views read them too, so ad-hoc SQL sees every row the
-- server has acknowledged, merged or not. Tables are empty here (just created by 0002).
DROP TABLE `container_samples_incoming`;
--> statement-breakpoint
CREATE TABLE `container_samples_incoming` (
	`ts` integer NOT NULL,
	`container_id` integer NOT NULL,
	`cpu_pct` real,
	`mem_bytes` real,
	`mem_limit_bytes` real,
	`mem_pct` real,
	`net_rx_bps` real,
	`net_tx_bps` real,
	`blk_read_bps` real,
	`blk_write_bps` real,
	`pids` real,
	PRIMARY KEY(`ts`, `container_id`)
) WITHOUT ROWID;
--> statement-breakpoint
DROP TABLE `host_samples_incoming`;
--> statement-breakpoint
CREATE TABLE `host_samples_incoming` (
	`ts` integer NOT NULL,
	`host_id` integer NOT NULL,
	`cpu_pct` real,
	`cpu_user_pct` real,
	`cpu_system_pct` real,
	`cpu_iowait_pct` real,
	`cpu_steal_pct` real,
	`load1` real,
	`load5` real,
	`load15` real,
	`mem_used_bytes` real,
	`mem_total_bytes` real,
	`mem_available_bytes` real,
	`mem_cached_bytes` real,
	`swap_used_bytes` real,
	`swap_total_bytes` real,
	`net_rx_bps` real,
	`net_tx_bps` real,
	`disk_read_bps` real,
	`disk_write_bps` real,
	`fs_used_bytes` real,
	`fs_total_bytes` real,
	`uptime_seconds` real,
	PRIMARY KEY(`ts`, `host_id`)
) WITHOUT ROWID;
--> statement-breakpoint
DROP TABLE `series_samples_incoming`;
--> statement-breakpoint
CREATE TABLE `series_samples_incoming` (
	`ts` integer NOT NULL,
	`series_id` integer NOT NULL,
	`value` real,
	PRIMARY KEY(`ts`, `series_id`)
) WITHOUT ROWID;
--> statement-breakpoint
DROP VIEW host_metrics;
--> statement-breakpoint
CREATE VIEW host_metrics AS
  SELECT h.name AS host, strftime('%Y-%m-%dT%H:%M:%SZ', s.ts, 'unixepoch') AS time, s.ts, s.cpu_pct, s.cpu_user_pct, s.cpu_system_pct, s.cpu_iowait_pct, s.cpu_steal_pct, s.load1, s.load5, s.load15, s.mem_used_bytes, s.mem_total_bytes, s.mem_available_bytes, s.mem_cached_bytes, s.swap_used_bytes, s.swap_total_bytes, s.net_rx_bps, s.net_tx_bps, s.disk_read_bps, s.disk_write_bps, s.fs_used_bytes, s.fs_total_bytes, s.uptime_seconds
  FROM (SELECT host_id, ts, cpu_pct, cpu_user_pct, cpu_system_pct, cpu_iowait_pct, cpu_steal_pct, load1, load5, load15, mem_used_bytes, mem_total_bytes, mem_available_bytes, mem_cached_bytes, swap_used_bytes, swap_total_bytes, net_rx_bps, net_tx_bps, disk_read_bps, disk_write_bps, fs_used_bytes, fs_total_bytes, uptime_seconds FROM host_samples UNION ALL SELECT host_id, ts, cpu_pct, cpu_user_pct, cpu_system_pct, cpu_iowait_pct, cpu_steal_pct, load1, load5, load15, mem_used_bytes, mem_total_bytes, mem_available_bytes, mem_cached_bytes, swap_used_bytes, swap_total_bytes, net_rx_bps, net_tx_bps, disk_read_bps, disk_write_bps, fs_used_bytes, fs_total_bytes, uptime_seconds FROM host_samples_incoming) s JOIN hosts h ON h.id = s.host_id;
--> statement-breakpoint
DROP VIEW container_metrics;
--> statement-breakpoint
CREATE VIEW container_metrics AS
  SELECT h.name AS host, c.name AS container, c.image, c.compose_project, c.compose_service,
         strftime('%Y-%m-%dT%H:%M:%SZ', s.ts, 'unixepoch') AS time, s.ts, s.cpu_pct, s.mem_bytes, s.mem_limit_bytes, s.mem_pct, s.net_rx_bps, s.net_tx_bps, s.blk_read_bps, s.blk_write_bps, s.pids
  FROM (SELECT container_id, ts, cpu_pct, mem_bytes, mem_limit_bytes, mem_pct, net_rx_bps, net_tx_bps, blk_read_bps, blk_write_bps, pids FROM container_samples UNION ALL SELECT container_id, ts, cpu_pct, mem_bytes, mem_limit_bytes, mem_pct, net_rx_bps, net_tx_bps, blk_read_bps, blk_write_bps, pids FROM container_samples_incoming) s JOIN containers c ON c.id = s.container_id JOIN hosts h ON h.id = c.host_id;
--> statement-breakpoint
DROP VIEW series_metrics;
--> statement-breakpoint
CREATE VIEW series_metrics AS
  SELECT h.name AS host, r.name AS series, r.labels, strftime('%Y-%m-%dT%H:%M:%SZ', s.ts, 'unixepoch') AS time, s.ts, s.value
  FROM (SELECT series_id, ts, value FROM series_samples UNION ALL SELECT series_id, ts, value FROM series_samples_incoming) s JOIN series r ON r.id = s.series_id JOIN hosts h ON h.id = r.host_id;
