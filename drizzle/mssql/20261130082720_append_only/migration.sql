-- 1. The head row every append locks first (DESIGN §2 invariant 3): position 0, genesis hash.
-- 2. es_events is append-only (DESIGN §2 invariant 2). INSTEAD OF replaces the UPDATE or
--    DELETE, so nothing is ever changed, and the caller gets error 50000 naming the reason.
--    RAISERROR, not THROW: THROW in a trigger aborts the batch, and SQL Server can follow it
--    with error 3616 ("An error was raised during trigger execution…"); mssql reports the
--    last error of a request, so the caller would not see why.
--    CREATE TRIGGER must be alone in its batch: the migrator sends each statement separately.
INSERT INTO [es_log_head] ([id], [last_position], [last_hash])
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
--> statement-breakpoint
CREATE TRIGGER [es_events_append_only] ON [es_events]
INSTEAD OF UPDATE, DELETE
AS
BEGIN
  SET NOCOUNT ON;
  RAISERROR (N'es_events is append-only: UPDATE and DELETE are refused', 16, 1);
END;
