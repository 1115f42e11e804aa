/**
 * Our migrator on SQL Server (the pure half is ../migrations/plan.ts). Each migration runs in
 * its own transaction together with its certeasy_migrations row, statement by statement as
 * drizzle-kit split them: T-SQL wants CREATE TRIGGER alone in its batch. Concurrent migrators
 * (two nodes booting at once) are serialised by an exclusive lock on certeasy_migrations, and
 * each re-reads what is applied once it holds that lock.
 */
import type { ConnectionPool } from "mssql";
import type { MigrationStatus } from "../dialect.js";
import { loadMigrations } from "../migrations/files.js";
import { planMigrations, type AppliedMigration, type MigrationFile } from "../migrations/plan.js";
import { migrationScript, sqlLiteral, type MigrationBookkeeping } from "../migrations/script.js";
import { batch, select } from "./request.js";
import { inTransaction } from "./transaction.js";

export const mssqlBookkeeping: MigrationBookkeeping = {
  createTable:
    "IF OBJECT_ID(N'certeasy_migrations', N'U') IS NULL CREATE TABLE [certeasy_migrations] (" +
    "[name] varchar(200) NOT NULL, [checksum] char(64) NOT NULL, [applied_at] bigint NOT NULL, " +
    "CONSTRAINT [certeasy_migrations_pkey] PRIMARY KEY([name]))",
  begin: "SET XACT_ABORT ON;\nBEGIN TRANSACTION",
  commit: "COMMIT TRANSACTION",
  record: (m: MigrationFile) =>
    "INSERT INTO [certeasy_migrations] ([name], [checksum], [applied_at]) VALUES " +
    `(${sqlLiteral(m.name)}, ${sqlLiteral(m.checksum)}, DATEDIFF_BIG(millisecond, '1970-01-01T00:00:00', SYSUTCDATETIME()))`,
  // sqlcmd/SSMS batch separator: CREATE TRIGGER must start a batch of its own.
  terminator: "\nGO",
};

function asApplied(rows: readonly Record<string, unknown>[]): AppliedMigration[] {
  return rows.map((row) => ({ name: String(row["name"]), checksum: String(row["checksum"]) }));
}

/** What is applied, or nothing when the bookkeeping table does not exist yet. */
async function readApplied(pool: ConnectionPool): Promise<AppliedMigration[]> {
  const exists = await select(pool, {
    text: "SELECT CASE WHEN OBJECT_ID(N'certeasy_migrations', N'U') IS NULL THEN 0 ELSE 1 END AS [present]",
    params: [],
  });
  if (exists[0]?.["present"] !== 1) return [];
  return asApplied(await select(pool, { text: "SELECT [name], [checksum] FROM [certeasy_migrations]", params: [] }));
}

export async function mssqlMigrationStatus(pool: ConnectionPool, known = loadMigrations("mssql")): Promise<MigrationStatus> {
  return planMigrations(known, await readApplied(pool)).status;
}

export async function mssqlPendingSql(pool: ConnectionPool, known = loadMigrations("mssql")): Promise<string> {
  return migrationScript(planMigrations(known, await readApplied(pool)).pending, mssqlBookkeeping);
}

/** SQL Server error 2714: "There is already an object named …". */
const OBJECT_EXISTS = 2714;

async function createBookkeepingTable(pool: ConnectionPool): Promise<void> {
  try {
    await batch(pool, mssqlBookkeeping.createTable);
  } catch (err) {
    // Another node created it between our existence check and CREATE TABLE: that is fine.
    if ((err as { number?: unknown }).number !== OBJECT_EXISTS) throw err;
  }
}

/** Apply pending migrations one transaction each; refuses (changing nothing) as planMigrations does. */
export async function mssqlMigrate(pool: ConnectionPool, known = loadMigrations("mssql")): Promise<MigrationStatus> {
  await createBookkeepingTable(pool);
  for (;;) {
    const status = await inTransaction(pool, async (tx) => {
      // TABLOCKX + HOLDLOCK: one migrator at a time until this transaction ends.
      const applied = asApplied(
        await select(tx, { text: "SELECT [name], [checksum] FROM [certeasy_migrations] WITH (TABLOCKX, HOLDLOCK)", params: [] }),
      );
      const plan = planMigrations(known, applied);
      const next = plan.pending[0];
      if (!next) return plan.status;
      for (const statement of next.statements) await batch(tx, statement);
      await batch(tx, mssqlBookkeeping.record(next));
      return undefined;
    });
    if (status) return status;
  }
}
