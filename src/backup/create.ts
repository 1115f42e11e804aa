/**
 * `certeasy backup create` for SQLite (reference §5, §6): `VACUUM INTO` a new file — a
 * consistent snapshot taken inside one read transaction, so it works while the server runs
 * (WAL: readers never block the writer, nor it them) and even while startup is refusing (it
 * needs neither the workdir lock nor a current schema). The copy is written under a temporary
 * name, checked, synced, and only then given its name, so a file at `output` is always a
 * whole backup; an existing file is never overwritten.
 */
import { closeSync, existsSync, fsyncSync, linkSync, openSync, statSync, unlinkSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { createSqliteDialect } from "../store/sqlite/dialect.js";
import { openSqlite } from "../store/sqlite/connection.js";
import type { LogProgress } from "../store/log-source.js";
import { ChainVerifier } from "../store/verify-chain.js";
import { BackupRefused } from "./errors.js";
import { integrityProblems, type IntegrityLevel } from "./integrity.js";
import { verifyEventLog } from "./verify.js";

export type BackupCheck = IntegrityLevel | "none";

export interface BackupCreateOptions {
  /** the live database file */
  readonly source: string;
  readonly output: string;
  /** `quick`: quick_check; `full`: integrity_check and the event log's hash chain */
  readonly check: BackupCheck;
  /** keep the copy even when the check finds problems (exit 2 instead of 1) */
  readonly keepOnFailedCheck: boolean;
  readonly onProgress?: (p: LogProgress) => void;
}

export interface BackupCreated {
  /** whether `output` now holds the copy */
  readonly written: boolean;
  readonly bytes: number;
  readonly problems: readonly string[];
}

export async function createSqliteBackup(options: BackupCreateOptions): Promise<BackupCreated> {
  const { source, output } = options;
  if (!existsSync(source)) throw new BackupRefused(`no database at ${source}: nothing to back up`);
  if (existsSync(output)) throw new BackupRefused(`${output} already exists: a backup never overwrites a file; choose a new path`);
  if (!existsSync(dirname(output))) throw new BackupRefused(`the directory ${dirname(output)} does not exist`);

  // VACUUM INTO accepts an existing empty file: creating it first gives the copy mode 0600
  // (the log holds account contacts) and fails if another backup is writing the same name.
  const partial = join(dirname(output), `.${basename(output)}.partial-${process.pid}`);
  closeSync(openSync(partial, "wx", 0o600));
  try {
    const live = openSqlite({ path: source, readOnly: true });
    try {
      live.client.prepare("VACUUM INTO ?").run(partial);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new BackupRefused(`SQLite could not copy ${source}: ${reason}`, { cause: error });
    } finally {
      live.client.close();
    }
    const problems = options.check === "none" ? [] : await checkCopy(partial, options.check, options.onProgress);
    if (problems.length > 0 && !options.keepOnFailedCheck) return { written: false, bytes: 0, problems };
    syncPath(partial, "file");
    try {
      linkSync(partial, output);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") throw new BackupRefused(`${output} appeared while the backup was written; it was left alone`);
      throw error;
    }
    syncPath(dirname(output), "directory");
    return { written: true, bytes: statSync(output).size, problems };
  } finally {
    unlinkSync(partial);
  }
}

async function checkCopy(path: string, level: IntegrityLevel, onProgress?: (p: LogProgress) => void): Promise<string[]> {
  const copy = openSqlite({ path, readOnly: true });
  let problems: string[];
  try {
    problems = integrityProblems(copy.client, level);
  } finally {
    copy.client.close();
  }
  if (level === "quick" || problems.length > 0) return problems;
  const db = createSqliteDialect({ path, readOnly: true });
  try {
    const fault = await verifyEventLog(db, new ChainVerifier(), onProgress);
    return fault ? [`event log: ${fault}`] : [];
  } finally {
    await db.close();
  }
}

/**
 * VACUUM INTO does not sync what it writes: a backup must survive a power cut once made, its
 * name included (the directory). Windows cannot open a directory to sync it.
 */
function syncPath(path: string, kind: "file" | "directory"): void {
  if (kind === "directory" && process.platform === "win32") return;
  const fd = openSync(path, kind === "file" ? "r+" : "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
