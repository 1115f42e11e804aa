/**
 * `certeasy backup verify`: is this file a backup we could restore? SQLite's integrity check,
 * the event log's hash chain from position 1 to the head row (the same walk as
 * `events verify`), and with `schema` the canonical tables and migrations. Opens the file
 * read-only: verifying a backup never changes it. Needs no config.
 */
import { existsSync } from "node:fs";
import { EventLogNotInitialisedError } from "../store/dialect-errors.js";
import type { EventStoreDialect } from "../store/dialect.js";
import { MigrationRefused } from "../store/migrations/refused.js";
import { createSqliteDialect } from "../store/sqlite/dialect.js";
import { openSqlite } from "../store/sqlite/connection.js";
import type { LogProgress } from "../store/log-source.js";
import { ChainVerifier } from "../store/verify-chain.js";
import { verifyDatabaseLog } from "../store/verify-log.js";
import { BackupRefused } from "./errors.js";
import { integrityProblems, type IntegrityLevel } from "./integrity.js";
import { describeMigrations, missingTables } from "./schema-check.js";

export interface BackupVerifyOptions {
  readonly input: string;
  readonly check: IntegrityLevel;
  readonly schema: boolean;
  readonly onProgress?: (p: LogProgress) => void;
}

export interface BackupReport {
  /** why the backup cannot be trusted; empty when it can */
  readonly problems: readonly string[];
  /** what was found, for the operator */
  readonly notes: readonly string[];
}

export async function verifySqliteBackup(options: BackupVerifyOptions): Promise<BackupReport> {
  if (!existsSync(options.input)) throw new BackupRefused(`no file at ${options.input}`);
  const problems: string[] = [];
  const notes: string[] = [];
  const file = openSqlite({ path: options.input, readOnly: true });
  try {
    problems.push(...integrityProblems(file.client, options.check));
    if (problems.length > 0) return { problems, notes };
    if (options.schema) {
      const missing = missingTables(file.client);
      if (missing.length > 0) problems.push(`schema: missing table(s) ${missing.join(", ")}`);
    }
  } catch (error) {
    if (isNotADatabase(error)) return { problems: [`${options.input} is not an SQLite database`], notes };
    throw error;
  } finally {
    file.client.close();
  }

  const db = createSqliteDialect({ path: options.input, readOnly: true });
  try {
    if (options.schema && problems.length === 0) {
      try {
        notes.push(describeMigrations(await db.migrationStatus()));
      } catch (error) {
        if (!(error instanceof MigrationRefused)) throw error;
        problems.push(`schema: ${error.message}`);
      }
    }
    const verifier = new ChainVerifier();
    const fault = await verifyEventLog(db, verifier, options.onProgress);
    if (fault) problems.push(`event log: ${fault}`);
    else notes.push(`event log: ${verifier.count} events, chain intact, last hash ${verifier.lastHash}`);
  } finally {
    await db.close();
  }
  return { problems, notes };
}

/** The chain walk, or why it could not run (a file without the event tables). */
export async function verifyEventLog(
  db: EventStoreDialect,
  verifier: ChainVerifier,
  onProgress?: (p: LogProgress) => void,
): Promise<string | null> {
  try {
    return (await verifyDatabaseLog(db, verifier, onProgress ? { onProgress } : {}))?.reason ?? null;
  } catch (error) {
    if (error instanceof Error && /no such table/.test(error.message)) return `not a Certeasy database (${error.message})`;
    if (error instanceof EventLogNotInitialisedError) return "the log head row is missing";
    throw error;
  }
}

function isNotADatabase(error: unknown): boolean {
  return error instanceof Error && (error as { code?: unknown }).code === "SQLITE_NOTADB";
}
