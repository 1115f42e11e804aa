/**
 * The SQL `certeasy migrate --sql` prints: what `migrate` would run, including the
 * certeasy_migrations bookkeeping, so that a DBA who applies it by hand leaves the database in
 * the state our migrator expects.
 */
import type { MigrationFile } from "./plan.js";

/** The dialect-specific statements around each migration. */
export interface MigrationBookkeeping {
  /** creates certeasy_migrations when it is missing */
  readonly createTable: string;
  readonly begin: string;
  readonly commit: string;
  /** records one applied migration, stamping applied_at with the database clock */
  record(migration: MigrationFile): string;
  /** what ends a statement in a script (";" or a batch separator) */
  readonly terminator: string;
}

/** SQL string literal; migration names and checksums are plain, but quote them properly anyway. */
export function sqlLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

function terminated(statement: string, terminator: string): string {
  const text = statement.trimEnd();
  return text.endsWith(terminator) ? text : `${text}${terminator}`;
}

export function migrationScript(pending: readonly MigrationFile[], book: MigrationBookkeeping): string {
  if (pending.length === 0) return "-- the database is up to date: no pending migration\n";
  const parts = [terminated(book.createTable, book.terminator)];
  for (const migration of pending) {
    parts.push(
      `-- migration ${migration.name} (sha256 ${migration.checksum})`,
      terminated(book.begin, book.terminator),
      ...migration.statements.map((s) => terminated(s, book.terminator)),
      terminated(book.record(migration), book.terminator),
      terminated(book.commit, book.terminator),
    );
  }
  return `${parts.join("\n")}\n`;
}
