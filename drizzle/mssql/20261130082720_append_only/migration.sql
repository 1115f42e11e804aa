-- 1. The head row every append locks first (DESIGN §2 invariant 3): position 0, genesis hash.
-- 2. es_events is append-only (DESIGN §2 invariant 2). INSTEAD OF replaces the statement, so
--    nothing changes, and THROW aborts it and rolls back the caller's transaction.
--    CREATE TRIGGER must be alone in its batch: the migrator sends each statement separately.
INSERT INTO [es_log_head] ([id], [last_position], [last_hash])
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
--> statement-breakpoint
CREATE TRIGGER [es_events_append_only] ON [es_events]
INSTEAD OF UPDATE, DELETE
AS
BEGIN
  SET NOCOUNT ON;
  THROW 50000, N'es_events is append-only: UPDATE and DELETE are refused', 1;
END;
