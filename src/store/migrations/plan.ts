/**
 * The pure half of our migrator: split drizzle's migration text into statements, checksum it,
 * and compare the migrations this build ships with those a database has applied. We do not use
 * drizzle's migrator because it trusts folder timestamps alone: it neither refuses a database
 * that a newer build has migrated nor notices a migration edited after it was applied — both
 * of which would let this build run against a schema it does not understand.
 */
import { createHash } from "node:crypto";
import type { MigrationStatus } from "../dialect.js";
import { MigrationRefused } from "./refused.js";

/** One migration shipped with this build: `drizzle/<dialect>/<name>/migration.sql`. */
export interface MigrationFile {
  /** the folder name, e.g. `20261130082026_init`; migrations apply in name order */
  readonly name: string;
  readonly sql: string;
  /** sha256 hex of migration.sql */
  readonly checksum: string;
  readonly statements: readonly string[];
}

/** A row of certeasy_migrations. */
export interface AppliedMigration {
  readonly name: string;
  readonly checksum: string;
}

export interface MigrationPlan {
  readonly status: MigrationStatus;
  readonly pending: readonly MigrationFile[];
}

const BREAKPOINT = "--> statement-breakpoint";

export function migrationChecksum(sqlText: string): string {
  return createHash("sha256").update(sqlText, "utf8").digest("hex");
}

/** A chunk holding only comments and blank lines is no statement (some drivers reject it). */
function hasSql(chunk: string): boolean {
  return chunk.split("\n").some((line) => line.trim() !== "" && !line.trim().startsWith("--"));
}

/** drizzle-kit separates statements with `--> statement-breakpoint` lines. */
export function splitStatements(sqlText: string): string[] {
  return sqlText
    .split(BREAKPOINT)
    .map((chunk) => chunk.trim())
    .filter(hasSql);
}

export function migrationFile(name: string, sqlText: string): MigrationFile {
  return { name, sql: sqlText, checksum: migrationChecksum(sqlText), statements: splitStatements(sqlText) };
}

/**
 * Which shipped migrations are pending. Throws MigrationRefused when the database holds an
 * applied migration this build does not ship (it was migrated by a newer build) or one whose
 * text differs from what this build ships.
 */
export function planMigrations(known: readonly MigrationFile[], applied: readonly AppliedMigration[]): MigrationPlan {
  const byName = new Map(known.map((m) => [m.name, m]));
  const appliedNames = new Set<string>();
  for (const row of [...applied].sort((a, b) => compareNames(a.name, b.name))) {
    const shipped = byName.get(row.name);
    if (!shipped) {
      throw new MigrationRefused(
        `database is newer than this Certeasy build: migration ${row.name} is applied to the database ` +
          `but not shipped with this build; upgrade Certeasy to a build that ships it`,
        row.name,
      );
    }
    if (shipped.checksum !== row.checksum) {
      throw new MigrationRefused(
        `migration ${row.name} was changed after it was applied (database sha256 ${row.checksum}, ` +
          `this build ${shipped.checksum}); restore the migration files shipped with Certeasy`,
        row.name,
      );
    }
    appliedNames.add(row.name);
  }
  const pending = known.filter((m) => !appliedNames.has(m.name));
  return {
    pending,
    status: {
      known: known.map((m) => m.name),
      applied: known.filter((m) => appliedNames.has(m.name)).map((m) => m.name),
      pending: pending.map((m) => m.name),
    },
  };
}

/** Plain code-unit order: the timestamp prefix drizzle-kit gives folder names sorts by time. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
