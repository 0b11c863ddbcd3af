CREATE TABLE `process_names` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`host_id` integer NOT NULL,
	`name` text NOT NULL,
	`command` text NOT NULL,
	`user` text DEFAULT '' NOT NULL,
	`container` text DEFAULT '' NOT NULL,
	`last_seen` integer NOT NULL,
	FOREIGN KEY (`host_id`) REFERENCES `hosts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `process_names_identity` ON `process_names` (`host_id`,`command`,`name`,`user`,`container`);--> statement-breakpoint
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
);
