CREATE TABLE [node_lease] (
	[id] smallint,
	[holder_server_id] char(36) NOT NULL,
	[holder_hostname] varchar(255) NOT NULL,
	[epoch] bigint NOT NULL,
	[acquired_at] bigint NOT NULL,
	[renewed_at] bigint NOT NULL,
	[expires_at] bigint NOT NULL,
	CONSTRAINT [node_lease_pkey] PRIMARY KEY([id]),
	CONSTRAINT [node_lease_single_row] CHECK ([id] = 1)
);
