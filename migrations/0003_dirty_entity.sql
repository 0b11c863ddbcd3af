-- Late-data marks name the entity they touched, so a late bucket is recomputed for that entity
-- alone, not for every entity of its kind. Marks made before keep entity 0: every entity.
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_rollup_dirty` (
	`kind` text NOT NULL,
	`tier` text NOT NULL,
	`bucket` integer NOT NULL,
	`entity` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`kind`, `tier`, `bucket`, `entity`)
);
--> statement-breakpoint
INSERT INTO `__new_rollup_dirty`("kind", "tier", "bucket", "entity") SELECT "kind", "tier", "bucket", 0 FROM `rollup_dirty`;--> statement-breakpoint
DROP TABLE `rollup_dirty`;--> statement-breakpoint
ALTER TABLE `__new_rollup_dirty` RENAME TO `rollup_dirty`;--> statement-breakpoint
PRAGMA foreign_keys=ON;