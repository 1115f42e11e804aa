CREATE TABLE "acme_accounts" (
	"account_id" char(36) PRIMARY KEY,
	"thumbprint" varchar(64) NOT NULL CONSTRAINT "acme_accounts_thumbprint_unique" UNIQUE,
	"jwk" text NOT NULL,
	"contact" text NOT NULL,
	"status" varchar(16) NOT NULL,
	"tos_agreed" boolean NOT NULL,
	"eab_key_id" varchar(128),
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL
);
