CREATE TABLE [acme_accounts] (
	[account_id] char(36),
	[thumbprint] varchar(64) NOT NULL,
	[jwk] varchar(max) NOT NULL,
	[contact] nvarchar(max) NOT NULL,
	[status] varchar(16) NOT NULL,
	[tos_agreed] bit NOT NULL,
	[eab_key_id] varchar(128),
	[created_at] bigint NOT NULL,
	[updated_at] bigint NOT NULL,
	CONSTRAINT [acme_accounts_pkey] PRIMARY KEY([account_id]),
	CONSTRAINT [acme_accounts_thumbprint_unique] UNIQUE([thumbprint])
);
