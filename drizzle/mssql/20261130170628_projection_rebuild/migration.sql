CREATE TABLE [projection_rebuild] (
	[id] smallint,
	[position] bigint NOT NULL,
	[started_at] bigint NOT NULL,
	CONSTRAINT [projection_rebuild_pkey] PRIMARY KEY([id]),
	CONSTRAINT [projection_rebuild_single_row] CHECK ([id] = 1)
);
