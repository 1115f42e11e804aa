CREATE TABLE `acme_eab_keys` (
	`key_id` text(128) PRIMARY KEY,
	`status` text(16) NOT NULL,
	`bound_account_id` text(36),
	`allowed_names` text NOT NULL,
	`allowed_profiles` text NOT NULL,
	`note` text(256),
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `acme_eab_keys_bound_account_idx` ON `acme_eab_keys` (`bound_account_id`);