/**
 * Our migrator on SQLite (the pure half is ../migrations/plan.ts). Each pending migration runs
 * in its own IMMEDIATE transaction together with its certeasy_migrations row, and the plan is
 * re-checked under that lock so two processes migrating at once apply each migration once.
 */
import type { MigrationStatus } from "../dialect.js";
import { loadMigrations } from "../migrations/files.js";
import { planMigrations, type AppliedMigration, type MigrationFile } from "../migrations/plan.js";
import { migrationScript, sqlLiteral, type MigrationBookkeeping } from "../migrations/script.js";
import type { SqliteConnection } from "./connection.js";

export const sqliteBookkeeping: MigrationBookkeeping = {
  createTable:
    "CREATE TABLE IF NOT EXISTS `certeasy_migrations` (`name` text(200) PRIMARY KEY NOT NULL, " +
    "`checksum` text(64) NOT NULL, `applied_at` integer NOT NULL)",
  begin: "BEGIN IMMEDIATE",
  commit: "COMMIT",
  terminator: ";",
  record: (m) =>
    "INSERT INTO `certeasy_migrations` (`name`, `checksum`, `applied_at`) " +
    `VALUES (${sqlLiteral(m.name)}, ${sqlLiteral(m.checksum)}, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))`,
};

function readApplied({ client }: SqliteConnection): AppliedMigration[] {
  const table = client
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'certeasy_migrations'")
    .get();
  if (!table) return [];
  return client.prepare("SELECT name, checksum FROM certeasy_migrations").all() as AppliedMigration[];
}

export class SqliteMigrator {
  #known: MigrationFile[] | undefined;

  constructor(private readonly connection: SqliteConnection) {}

  get known(): MigrationFile[] {
    return (this.#known ??= loadMigrations("sqlite"));
  }

  status(): MigrationStatus {
    return planMigrations(this.known, readApplied(this.connection)).status;
  }

  pendingSql(): string {
    return migrationScript(planMigrations(this.known, readApplied(this.connection)).pending, sqliteBookkeeping);
  }

  migrate(): MigrationStatus {
    const { client } = this.connection;
    // Refuse before touching anything, even before creating certeasy_migrations.
    const { pending } = planMigrations(this.known, readApplied(this.connection));
    if (pending.length > 0) client.exec(sqliteBookkeeping.createTable);
    for (const migration of pending) {
      client
        .transaction(() => {
          const again = planMigrations(this.known, readApplied(this.connection));
          if (!again.pending.some((m) => m.name === migration.name)) return;
          for (const statement of migration.statements) client.exec(statement);
          client.exec(sqliteBookkeeping.record(migration));
        })
        .immediate();
    }
    return this.status();
  }
}
