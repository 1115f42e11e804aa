CREATE TABLE "projection_rebuild" (
	"id" smallint PRIMARY KEY,
	"position" bigint NOT NULL,
	"started_at" bigint NOT NULL,
	CONSTRAINT "projection_rebuild_single_row" CHECK ("id" = 1)
);
