CREATE TABLE `acme_accounts` (
	`account_id` text(36) PRIMARY KEY,
	`thumbprint` text(64) NOT NULL CONSTRAINT `acme_accounts_thumbprint_unique` UNIQUE,
	`jwk` text NOT NULL,
	`contact` text NOT NULL,
	`status` text(16) NOT NULL,
	`tos_agreed` integer NOT NULL,
	`eab_key_id` text(128),
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
