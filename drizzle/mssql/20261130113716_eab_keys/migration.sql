CREATE TABLE [acme_eab_keys] (
	[key_id] varchar(128),
	[status] varchar(16) NOT NULL,
	[bound_account_id] char(36),
	[allowed_names] varchar(max) NOT NULL,
	[allowed_profiles] varchar(max) NOT NULL,
	[note] nvarchar(256),
	[created_at] bigint NOT NULL,
	[updated_at] bigint NOT NULL,
	CONSTRAINT [acme_eab_keys_pkey] PRIMARY KEY([key_id])
);
--> statement-breakpoint
CREATE INDEX [acme_eab_keys_bound_account_idx] ON [acme_eab_keys] ([bound_account_id]);