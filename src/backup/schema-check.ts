/**
 * `backup verify --schema`: does the file hold Certeasy's tables, and which migrations does it
 * carry compared with this build? A backup from a newer build cannot be restored under this
 * one (serve would refuse it); one from an older build is fine, serve migrates it at boot.
 */
import { getTableName, is } from "drizzle-orm";
import { SQLiteTable } from "drizzle-orm/sqlite-core";
import type Database from "better-sqlite3";
import * as sqliteSchema from "../store/schema/sqlite.js";
import type { MigrationStatus } from "../store/dialect.js";

/** Every table of the logical schema, plus the migrations bookkeeping. */
export function canonicalTableNames(): string[] {
  const tables = Object.values(sqliteSchema).filter((value) => is(value, SQLiteTable));
  return [...tables.map((table) => getTableName(table)), "certeasy_migrations"].sort();
}

export function missingTables(client: Database.Database): string[] {
  const present = new Set(
    (client.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name),
  );
  return canonicalTableNames().filter((name) => !present.has(name));
}

export function describeMigrations(status: MigrationStatus): string {
  const last = status.applied.at(-1) ?? "none";
  return status.pending.length === 0
    ? `schema current with this build (last migration ${last})`
    : `schema at migration ${last}; ${status.pending.length} migration(s) of this build will apply when it is restored and served`;
}
