/**
 * Our migrator on PostgreSQL (the pure half is ../migrations/plan.ts). PostgreSQL DDL is
 * transactional: each pending migration runs in its own transaction together with its
 * certeasy_migrations row, under an exclusive lock on that table, and the plan is re-checked
 * under the lock so two nodes migrating at once apply each migration once.
 */
import type { MigrationStatus } from "../dialect.js";
import { loadMigrations } from "../migrations/files.js";
import { planMigrations, type AppliedMigration, type MigrationFile } from "../migrations/plan.js";
import { migrationScript, sqlLiteral, type MigrationBookkeeping } from "../migrations/script.js";
import type { PostgresConnection, Queryable } from "./connection.js";

export const postgresBookkeeping: MigrationBookkeeping = {
  createTable:
    'CREATE TABLE IF NOT EXISTS "certeasy_migrations" ("name" varchar(200) PRIMARY KEY, ' +
    '"checksum" char(64) NOT NULL, "applied_at" bigint NOT NULL)',
  begin: "BEGIN",
  commit: "COMMIT",
  terminator: ";",
  record: (m) =>
    'INSERT INTO "certeasy_migrations" ("name", "checksum", "applied_at") ' +
    `VALUES (${sqlLiteral(m.name)}, ${sqlLiteral(m.checksum)}, (extract(epoch from clock_timestamp()) * 1000)::bigint)`,
};


async function readApplied(sql: Queryable): Promise<AppliedMigration[]> {
  // to_regclass resolves through search_path, like every other statement of the dialect.
  const [found] = await sql<{ exists: boolean }[]>`SELECT to_regclass('certeasy_migrations') IS NOT NULL AS exists`;
  if (!found?.exists) return [];
  return sql<AppliedMigration[]>`SELECT name, checksum FROM certeasy_migrations`;
}

export class PostgresMigrator {
  #known: MigrationFile[] | undefined;

  constructor(private readonly connection: PostgresConnection) {}

  get known(): MigrationFile[] {
    return (this.#known ??= loadMigrations("postgres"));
  }

  async status(): Promise<MigrationStatus> {
    return planMigrations(this.known, await readApplied(this.connection.client)).status;
  }

  async pendingSql(): Promise<string> {
    const { pending } = planMigrations(this.known, await readApplied(this.connection.client));
    return migrationScript(pending, postgresBookkeeping);
  }

  async migrate(): Promise<MigrationStatus> {
    const { client } = this.connection;
    // Refuse before touching anything, even before creating certeasy_migrations.
    const { pending } = planMigrations(this.known, await readApplied(client));
    if (pending.length > 0) await client.unsafe(postgresBookkeeping.createTable);
    for (const migration of pending) {
      await client.begin(async (tx) => {
        await tx.unsafe('LOCK TABLE "certeasy_migrations" IN EXCLUSIVE MODE');
        const again = planMigrations(this.known, await readApplied(tx));
        if (!again.pending.some((m) => m.name === migration.name)) return;
        for (const statement of migration.statements) await tx.unsafe(statement);
        await tx.unsafe(postgresBookkeeping.record(migration));
      });
    }
    return this.status();
  }
}
