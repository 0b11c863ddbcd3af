ALTER TABLE `host_samples` ADD `cpu_softirq_pct` real;--> statement-breakpoint
ALTER TABLE `host_samples_1h` ADD `cpu_softirq_pct_avg` real;--> statement-breakpoint
ALTER TABLE `host_samples_1h` ADD `cpu_softirq_pct_min` real;--> statement-breakpoint
ALTER TABLE `host_samples_1h` ADD `cpu_softirq_pct_max` real;--> statement-breakpoint
ALTER TABLE `host_samples_1h` ADD `cpu_softirq_pct_n` integer;--> statement-breakpoint
ALTER TABLE `host_samples_1m` ADD `cpu_softirq_pct_avg` real;--> statement-breakpoint
ALTER TABLE `host_samples_1m` ADD `cpu_softirq_pct_min` real;--> statement-breakpoint
ALTER TABLE `host_samples_1m` ADD `cpu_softirq_pct_max` real;--> statement-breakpoint
ALTER TABLE `host_samples_1m` ADD `cpu_softirq_pct_n` integer;--> statement-breakpoint
ALTER TABLE `host_samples_5m` ADD `cpu_softirq_pct_avg` real;--> statement-breakpoint
ALTER TABLE `host_samples_5m` ADD `cpu_softirq_pct_min` real;--> statement-breakpoint
ALTER TABLE `host_samples_5m` ADD `cpu_softirq_pct_max` real;--> statement-breakpoint
ALTER TABLE `host_samples_5m` ADD `cpu_softirq_pct_n` integer;--> statement-breakpoint
DROP VIEW host_metrics;
--> statement-breakpoint
CREATE VIEW host_metrics AS
  SELECT h.name AS host, strftime('%Y-%m-%dT%H:%M:%SZ', s.ts, 'unixepoch') AS time, s.ts, s.cpu_pct, s.cpu_user_pct, s.cpu_system_pct, s.cpu_iowait_pct, s.cpu_steal_pct, s.cpu_softirq_pct, s.load1, s.load5, s.load15, s.mem_used_bytes, s.mem_total_bytes, s.mem_available_bytes, s.mem_cached_bytes, s.swap_used_bytes, s.swap_total_bytes, s.net_rx_bps, s.net_tx_bps, s.disk_read_bps, s.disk_write_bps, s.fs_used_bytes, s.fs_total_bytes, s.fs_avail_bytes, s.uptime_seconds
  FROM host_samples s JOIN hosts h ON h.id = s.host_id;
