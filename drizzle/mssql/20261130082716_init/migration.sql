CREATE TABLE [es_events] (
	[position] bigint,
	[event_id] char(36) NOT NULL,
	[stream_id] varchar(200) NOT NULL,
	[stream_version] bigint NOT NULL,
	[event_type] varchar(128) NOT NULL,
	[schema_version] int NOT NULL,
	[recorded_at] bigint NOT NULL,
	[server_id] char(36) NOT NULL,
	[body] nvarchar(max) NOT NULL,
	[hash] char(64) NOT NULL,
	CONSTRAINT [es_events_pkey] PRIMARY KEY([position]),
	CONSTRAINT [es_events_event_id_unique] UNIQUE([event_id]),
	CONSTRAINT [es_events_stream_version_unique] UNIQUE([stream_id],[stream_version])
);
--> statement-breakpoint
CREATE TABLE [es_log_head] (
	[id] smallint,
	[last_position] bigint NOT NULL,
	[last_hash] char(64) NOT NULL,
	CONSTRAINT [es_log_head_pkey] PRIMARY KEY([id]),
	CONSTRAINT [es_log_head_single_row] CHECK ([id] = 1)
);
--> statement-breakpoint
CREATE TABLE [es_streams] (
	[stream_id] varchar(200),
	[stream_type] varchar(64) NOT NULL,
	[version] bigint NOT NULL,
	[created_at] bigint NOT NULL,
	[updated_at] bigint NOT NULL,
	CONSTRAINT [es_streams_pkey] PRIMARY KEY([stream_id])
);
--> statement-breakpoint
CREATE TABLE [node_boots] (
	[boot_id] char(36),
	[server_id] char(36) NOT NULL,
	[hostname] varchar(255) NOT NULL,
	[pid] int NOT NULL,
	[version] varchar(64) NOT NULL,
	[started_at] bigint NOT NULL,
	[started_position] bigint NOT NULL,
	[stopped_at] bigint,
	[stop_reason] varchar(32),
	[uptime_ms] bigint,
	CONSTRAINT [node_boots_pkey] PRIMARY KEY([boot_id])
);
--> statement-breakpoint
CREATE TABLE [servers] (
	[server_id] char(36),
	[hostname] varchar(255) NOT NULL,
	[first_seen] bigint NOT NULL,
	[last_seen] bigint NOT NULL,
	CONSTRAINT [servers_pkey] PRIMARY KEY([server_id])
);
--> statement-breakpoint
CREATE INDEX [es_events_server_position_idx] ON [es_events] ([server_id],[position]);