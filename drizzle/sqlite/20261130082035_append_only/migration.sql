-- The log head starts at position 0 with the genesis hash (64 zeros), the `prev` of position 1.
INSERT INTO `es_log_head` (`id`, `last_position`, `last_hash`) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
--> statement-breakpoint
-- es_events is append-only (DESIGN §2 invariant 2): the database itself refuses changes.
CREATE TRIGGER `es_events_refuse_update` BEFORE UPDATE ON `es_events`
BEGIN
	SELECT RAISE(ABORT, 'es_events is append-only: UPDATE is refused');
END;
--> statement-breakpoint
CREATE TRIGGER `es_events_refuse_delete` BEFORE DELETE ON `es_events`
BEGIN
	SELECT RAISE(ABORT, 'es_events is append-only: DELETE is refused');
END;
