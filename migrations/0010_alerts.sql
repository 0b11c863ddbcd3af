CREATE TABLE `alert_deliveries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`history_id` integer NOT NULL,
	`receiver` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_at` integer,
	`last_error` text,
	`delivered_at` integer,
	`failed_at` integer,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `alert_deliveries_next` ON `alert_deliveries` (`next_at`);--> statement-breakpoint
CREATE INDEX `alert_deliveries_history` ON `alert_deliveries` (`history_id`);--> statement-breakpoint
CREATE TABLE `alert_history` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`status` text NOT NULL,
	`rule` text NOT NULL,
	`host` text NOT NULL,
	`container` text,
	`started_at` integer NOT NULL,
	`ended_at` integer,
	`payload` text NOT NULL,
	`late` integer DEFAULT 0 NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `alert_history_at` ON `alert_history` (`at`);--> statement-breakpoint
CREATE TABLE `alert_meta` (
	`name` text PRIMARY KEY NOT NULL,
	`value` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `alert_state` (
	`rule` text NOT NULL,
	`key` text NOT NULL,
	`host` text NOT NULL,
	`container` text,
	`labels` text,
	`phase` text NOT NULL,
	`since` integer NOT NULL,
	`clear_since` integer,
	`value` real,
	`last_ts` integer NOT NULL,
	`notified` integer DEFAULT 0 NOT NULL,
	`history_id` integer,
	PRIMARY KEY(`rule`, `key`)
);
