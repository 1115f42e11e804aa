ALTER TABLE [servers] ADD [audit_lines] bigint;--> statement-breakpoint
ALTER TABLE [servers] ADD [audit_head_hash] char(64);