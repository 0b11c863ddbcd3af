CREATE TABLE `events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`host_id` integer NOT NULL,
	`ts` integer NOT NULL,
	`ns` integer DEFAULT 0 NOT NULL,
	`type` text NOT NULL,
	`container` text NOT NULL,
	`container_id` text NOT NULL,
	`image` text,
	`exit_code` integer,
	`signal` integer,
	`health` text,
	`cause` text,
	`compose_project` text,
	`compose_service` text,
	`attrs` text,
	`received_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `events_key` ON `events` (`host_id`,`ts`,`ns`,`container_id`,`type`);--> statement-breakpoint
CREATE INDEX `events_host_container` ON `events` (`host_id`,`container`,`ts`);--> statement-breakpoint
CREATE INDEX `events_host_container_id` ON `events` (`host_id`,`container_id`,`ts`);--> statement-breakpoint
CREATE INDEX `events_ts` ON `events` (`ts`);