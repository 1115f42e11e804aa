-- The log head starts at position 0 with the genesis hash (64 zeros), the "prev" of position 1.
INSERT INTO "es_log_head" ("id", "last_position", "last_hash") VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
--> statement-breakpoint
-- es_events is append-only (DESIGN §2 invariant 2): the database itself refuses changes.
-- Statement-level triggers, so even an UPDATE or DELETE that matches no row is refused.
CREATE FUNCTION "es_events_refuse_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'es_events is append-only: % is refused', TG_OP;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER "es_events_refuse_update_delete" BEFORE UPDATE OR DELETE ON "es_events"
	FOR EACH STATEMENT EXECUTE FUNCTION "es_events_refuse_change"();
--> statement-breakpoint
CREATE TRIGGER "es_events_refuse_truncate" BEFORE TRUNCATE ON "es_events"
	FOR EACH STATEMENT EXECUTE FUNCTION "es_events_refuse_change"();
