CREATE TABLE [acme_authorizations] (
	[authz_id] char(36),
	[order_id] char(36) NOT NULL,
	[account_id] char(36) NOT NULL,
	[identifier_type] varchar(8) NOT NULL,
	[identifier_value] varchar(253) NOT NULL,
	[wildcard] bit NOT NULL,
	[status] varchar(16) NOT NULL,
	[expires_at] bigint NOT NULL,
	[created_at] bigint NOT NULL,
	[updated_at] bigint NOT NULL,
	CONSTRAINT [acme_authorizations_pkey] PRIMARY KEY([authz_id])
);
--> statement-breakpoint
CREATE TABLE [acme_certificates] (
	[certificate_id] char(36),
	[order_id] char(36) NOT NULL,
	[account_id] char(36) NOT NULL,
	[authority] varchar(64) NOT NULL,
	[serial] varchar(64) NOT NULL,
	[aki] varchar(128) NOT NULL,
	[identifiers] varchar(max) NOT NULL,
	[identifiers_hash] varchar(64) NOT NULL,
	[not_before] bigint NOT NULL,
	[not_after] bigint NOT NULL,
	[chain_pem] varchar(max) NOT NULL,
	[spki_sha256] varchar(64) NOT NULL,
	[status] varchar(16) NOT NULL,
	[revoked_at] bigint,
	[revocation_reason] int,
	[created_at] bigint NOT NULL,
	CONSTRAINT [acme_certificates_pkey] PRIMARY KEY([certificate_id]),
	CONSTRAINT [acme_certificates_aki_serial_unique] UNIQUE([aki],[serial])
);
--> statement-breakpoint
CREATE TABLE [acme_challenges] (
	[challenge_id] char(36),
	[authz_id] char(36) NOT NULL,
	[order_id] char(36) NOT NULL,
	[account_id] char(36) NOT NULL,
	[type] varchar(16) NOT NULL,
	[token] varchar(64) NOT NULL,
	[status] varchar(16) NOT NULL,
	[key_authorization] varchar(200),
	[validated_at] bigint,
	[error] varchar(max),
	[updated_at] bigint NOT NULL,
	CONSTRAINT [acme_challenges_pkey] PRIMARY KEY([challenge_id])
);
--> statement-breakpoint
CREATE TABLE [acme_orders] (
	[order_id] char(36),
	[account_id] char(36) NOT NULL,
	[status] varchar(16) NOT NULL,
	[identifiers] varchar(max) NOT NULL,
	[identifiers_hash] varchar(64) NOT NULL,
	[profile] varchar(64),
	[not_before] bigint,
	[not_after] bigint,
	[expires_at] bigint NOT NULL,
	[authorization_ids] varchar(max) NOT NULL,
	[error] varchar(max),
	[certificate_id] char(36),
	[replaces_certificate_id] char(36),
	[created_at] bigint NOT NULL,
	[updated_at] bigint NOT NULL,
	CONSTRAINT [acme_orders_pkey] PRIMARY KEY([order_id])
);
--> statement-breakpoint
CREATE INDEX [acme_authorizations_account_identifier_idx] ON [acme_authorizations] ([account_id],[identifier_value]);--> statement-breakpoint
CREATE INDEX [acme_certificates_spki_idx] ON [acme_certificates] ([spki_sha256]);--> statement-breakpoint
CREATE INDEX [acme_certificates_account_idx] ON [acme_certificates] ([account_id],[identifiers_hash]);--> statement-breakpoint
CREATE INDEX [acme_challenges_authz_idx] ON [acme_challenges] ([authz_id]);--> statement-breakpoint
CREATE INDEX [acme_challenges_status_idx] ON [acme_challenges] ([status]);--> statement-breakpoint
CREATE INDEX [acme_orders_account_idx] ON [acme_orders] ([account_id],[order_id]);--> statement-breakpoint
CREATE INDEX [acme_orders_status_idx] ON [acme_orders] ([status]);--> statement-breakpoint
CREATE INDEX [acme_orders_replaces_idx] ON [acme_orders] ([replaces_certificate_id]);