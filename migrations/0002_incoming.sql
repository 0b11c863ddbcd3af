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
);
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
);
--> statement-breakpoint
CREATE TABLE `series_samples_incoming` (
	`ts` integer NOT NULL,
	`series_id` integer NOT NULL,
	`value` real,
	PRIMARY KEY(`ts`, `series_id`)
);
