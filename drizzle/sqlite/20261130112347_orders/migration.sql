CREATE TABLE `acme_authorizations` (
	`authz_id` text(36) PRIMARY KEY,
	`order_id` text(36) NOT NULL,
	`account_id` text(36) NOT NULL,
	`identifier_type` text(8) NOT NULL,
	`identifier_value` text(253) NOT NULL,
	`wildcard` integer NOT NULL,
	`status` text(16) NOT NULL,
	`expires_at` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `acme_certificates` (
	`certificate_id` text(36) PRIMARY KEY,
	`order_id` text(36) NOT NULL,
	`account_id` text(36) NOT NULL,
	`authority` text(64) NOT NULL,
	`serial` text(64) NOT NULL,
	`aki` text(128) NOT NULL,
	`identifiers` text NOT NULL,
	`identifiers_hash` text(64) NOT NULL,
	`not_before` integer NOT NULL,
	`not_after` integer NOT NULL,
	`chain_pem` text NOT NULL,
	`spki_sha256` text(64) NOT NULL,
	`status` text(16) NOT NULL,
	`revoked_at` integer,
	`revocation_reason` integer,
	`created_at` integer NOT NULL,
	CONSTRAINT `acme_certificates_aki_serial_unique` UNIQUE(`aki`,`serial`)
);
--> statement-breakpoint
CREATE TABLE `acme_challenges` (
	`challenge_id` text(36) PRIMARY KEY,
	`authz_id` text(36) NOT NULL,
	`order_id` text(36) NOT NULL,
	`account_id` text(36) NOT NULL,
	`type` text(16) NOT NULL,
	`token` text(64) NOT NULL,
	`status` text(16) NOT NULL,
	`key_authorization` text(200),
	`validated_at` integer,
	`error` text,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `acme_orders` (
	`order_id` text(36) PRIMARY KEY,
	`account_id` text(36) NOT NULL,
	`status` text(16) NOT NULL,
	`identifiers` text NOT NULL,
	`identifiers_hash` text(64) NOT NULL,
	`profile` text(64),
	`not_before` integer,
	`not_after` integer,
	`expires_at` integer NOT NULL,
	`authorization_ids` text NOT NULL,
	`error` text,
	`certificate_id` text(36),
	`replaces_certificate_id` text(36),
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `acme_authorizations_account_identifier_idx` ON `acme_authorizations` (`account_id`,`identifier_value`);--> statement-breakpoint
CREATE INDEX `acme_certificates_spki_idx` ON `acme_certificates` (`spki_sha256`);--> statement-breakpoint
CREATE INDEX `acme_certificates_account_idx` ON `acme_certificates` (`account_id`,`identifiers_hash`);--> statement-breakpoint
CREATE INDEX `acme_challenges_authz_idx` ON `acme_challenges` (`authz_id`);--> statement-breakpoint
CREATE INDEX `acme_challenges_status_idx` ON `acme_challenges` (`status`);--> statement-breakpoint
CREATE INDEX `acme_orders_account_idx` ON `acme_orders` (`account_id`,`order_id`);--> statement-breakpoint
CREATE INDEX `acme_orders_status_idx` ON `acme_orders` (`status`);--> statement-breakpoint
CREATE INDEX `acme_orders_replaces_idx` ON `acme_orders` (`replaces_certificate_id`);