CREATE TABLE `es_events` (
	`position` integer PRIMARY KEY,
	`event_id` text(36) NOT NULL CONSTRAINT `es_events_event_id_unique` UNIQUE,
	`stream_id` text(200) NOT NULL,
	`stream_version` integer NOT NULL,
	`event_type` text(128) NOT NULL,
	`schema_version` integer NOT NULL,
	`recorded_at` integer NOT NULL,
	`server_id` text(36) NOT NULL,
	`body` text NOT NULL,
	`hash` text(64) NOT NULL,
	CONSTRAINT `es_events_stream_version_unique` UNIQUE(`stream_id`,`stream_version`)
);
--> statement-breakpoint
CREATE TABLE `es_log_head` (
	`id` integer PRIMARY KEY,
	`last_position` integer NOT NULL,
	`last_hash` text(64) NOT NULL,
	CONSTRAINT "es_log_head_single_row" CHECK("id" = 1)
);
--> statement-breakpoint
CREATE TABLE `es_streams` (
	`stream_id` text(200) PRIMARY KEY,
	`stream_type` text(64) NOT NULL,
	`version` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `node_boots` (
	`boot_id` text(36) PRIMARY KEY,
	`server_id` text(36) NOT NULL,
	`hostname` text(255) NOT NULL,
	`pid` integer NOT NULL,
	`version` text(64) NOT NULL,
	`started_at` integer NOT NULL,
	`started_position` integer NOT NULL,
	`stopped_at` integer,
	`stop_reason` text(32),
	`uptime_ms` integer
);
--> statement-breakpoint
CREATE TABLE `servers` (
	`server_id` text(36) PRIMARY KEY,
	`hostname` text(255) NOT NULL,
	`first_seen` integer NOT NULL,
	`last_seen` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `es_events_server_position_idx` ON `es_events` (`server_id`,`position`);