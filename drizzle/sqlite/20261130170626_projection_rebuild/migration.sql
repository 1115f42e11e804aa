CREATE TABLE `projection_rebuild` (
	`id` integer PRIMARY KEY,
	`position` integer NOT NULL,
	`started_at` integer NOT NULL,
	CONSTRAINT "projection_rebuild_single_row" CHECK("id" = 1)
);
