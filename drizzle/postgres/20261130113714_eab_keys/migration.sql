CREATE TABLE "acme_eab_keys" (
	"key_id" varchar(128) PRIMARY KEY,
	"status" varchar(16) NOT NULL,
	"bound_account_id" char(36),
	"allowed_names" text NOT NULL,
	"allowed_profiles" text NOT NULL,
	"note" varchar(256),
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE INDEX "acme_eab_keys_bound_account_idx" ON "acme_eab_keys" ("bound_account_id");