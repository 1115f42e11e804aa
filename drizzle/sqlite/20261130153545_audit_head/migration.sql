ALTER TABLE `servers` ADD `audit_lines` integer;--> statement-breakpoint
ALTER TABLE `servers` ADD `audit_head_hash` text(64);