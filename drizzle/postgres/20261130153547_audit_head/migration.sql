ALTER TABLE "servers" ADD COLUMN "audit_lines" bigint;--> statement-breakpoint
ALTER TABLE "servers" ADD COLUMN "audit_head_hash" char(64);