CREATE TABLE `node_lease` (
	`id` integer PRIMARY KEY,
	`holder_server_id` text(36) NOT NULL,
	`holder_hostname` text(255) NOT NULL,
	`epoch` integer NOT NULL,
	`acquired_at` integer NOT NULL,
	`renewed_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	CONSTRAINT "node_lease_single_row" CHECK("id" = 1)
);
