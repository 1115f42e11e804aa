CREATE TABLE "es_events" (
	"position" bigint PRIMARY KEY,
	"event_id" char(36) NOT NULL CONSTRAINT "es_events_event_id_unique" UNIQUE,
	"stream_id" varchar(200) NOT NULL,
	"stream_version" bigint NOT NULL,
	"event_type" varchar(128) NOT NULL,
	"schema_version" integer NOT NULL,
	"recorded_at" bigint NOT NULL,
	"server_id" char(36) NOT NULL,
	"body" text NOT NULL,
	"hash" char(64) NOT NULL,
	CONSTRAINT "es_events_stream_version_unique" UNIQUE("stream_id","stream_version")
);
--> statement-breakpoint
CREATE TABLE "es_log_head" (
	"id" smallint PRIMARY KEY,
	"last_position" bigint NOT NULL,
	"last_hash" char(64) NOT NULL,
	CONSTRAINT "es_log_head_single_row" CHECK ("id" = 1)
);
--> statement-breakpoint
CREATE TABLE "es_streams" (
	"stream_id" varchar(200) PRIMARY KEY,
	"stream_type" varchar(64) NOT NULL,
	"version" bigint NOT NULL,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "node_boots" (
	"boot_id" char(36) PRIMARY KEY,
	"server_id" char(36) NOT NULL,
	"hostname" varchar(255) NOT NULL,
	"pid" integer NOT NULL,
	"version" varchar(64) NOT NULL,
	"started_at" bigint NOT NULL,
	"started_position" bigint NOT NULL,
	"stopped_at" bigint,
	"stop_reason" varchar(32),
	"uptime_ms" bigint
);
--> statement-breakpoint
CREATE TABLE "servers" (
	"server_id" char(36) PRIMARY KEY,
	"hostname" varchar(255) NOT NULL,
	"first_seen" bigint NOT NULL,
	"last_seen" bigint NOT NULL
);
--> statement-breakpoint
CREATE INDEX "es_events_server_position_idx" ON "es_events" ("server_id","position");