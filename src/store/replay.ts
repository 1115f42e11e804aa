/**
 * Replay a log into a separate SQLite read model (src/store/sqlite/replica.ts): each event is
 * checked against the hash chain before it is imported, a batch at a time, so the copy never
 * holds an event the chain does not vouch for. `events replay --to-sqlite` writes a new file
 * an auditor can query; `projections status` replays into memory and compares.
 */
import { closeSync, existsSync, openSync, rmSync } from "node:fs";
import type { StoredEvent } from "../../events/index.js";
import type { RowChange } from "../../projections/row-change.js";
import type { EventStoreDialect } from "./dialect.js";
import type { LogProgress } from "./log-source.js";
import { EventImportRefused, openSqliteReplica, type SqliteReplica } from "./sqlite/replica.js";
import { ChainVerifier, type ChainFault } from "./verify-chain.js";
import { verifyDatabaseLog, verifyExportFile } from "./verify-log.js";

export type LogSourceSpec = { readonly kind: "database"; readonly db: EventStoreDialect } | { readonly kind: "export"; readonly path: string };

export type Projector = (events: readonly StoredEvent[]) => readonly RowChange[];

export class ReplayRefused extends Error {
  override readonly name = "ReplayRefused";
}

/** Events imported per transaction: bounds memory and keeps the progress bar moving. */
const BATCH = 1000;

/** Copy the whole log into the replica; the first chain fault (nothing after it is imported). */
export async function copyLog(
  source: LogSourceSpec,
  replica: SqliteReplica,
  verifier: ChainVerifier,
  onProgress?: (p: LogProgress) => void,
): Promise<ChainFault | null> {
  let batch: StoredEvent[] = [];
  const accept = (event: StoredEvent): void => {
    batch.push(event);
    if (batch.length >= BATCH) {
      replica.importEvents(batch);
      batch = [];
    }
  };
  const options = { accept, ...(onProgress ? { onProgress } : {}) };
  try {
    const fault =
      source.kind === "database" ? await verifyDatabaseLog(source.db, verifier, options) : await verifyExportFile(source.path, verifier, options);
    if (fault) return fault;
    replica.importEvents(batch);
    return null;
  } catch (error) {
    // The chain held but a stream's versions do not follow each other.
    if (error instanceof EventImportRefused) return { position: verifier.count, reason: error.message };
    throw error;
  }
}

export interface ReplayOptions {
  readonly source: LogSourceSpec;
  /** the SQLite file to create; must not exist */
  readonly target: string;
  readonly project: Projector;
  readonly onProgress?: (p: LogProgress) => void;
}

export type ReplayResult =
  | { readonly ok: true; readonly events: number; readonly lastHash: string; readonly replica: SqliteReplica }
  | { readonly ok: false; readonly fault: ChainFault };

/**
 * Build `target` from the log. On a chain fault the file is removed: a half-built read model
 * would look like the whole history. The caller closes the replica of a successful replay.
 */
export async function replayToSqlite(options: ReplayOptions): Promise<ReplayResult> {
  const { target } = options;
  if (existsSync(target)) throw new ReplayRefused(`${target} already exists: replay builds a new database; choose a new path`);
  try {
    closeSync(openSync(target, "wx", 0o600));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST" || code === "ENOENT") throw new ReplayRefused(`cannot create ${target}: ${code === "EEXIST" ? "it already exists" : "its directory does not exist"}`);
    throw error;
  }
  let replica: SqliteReplica | undefined;
  try {
    replica = openSqliteReplica(target, options.project);
    const verifier = new ChainVerifier();
    const fault = await copyLog(options.source, replica, verifier, options.onProgress);
    if (!fault) return { ok: true, events: verifier.count, lastHash: verifier.lastHash, replica };
    removeDatabase(replica, target);
    return { ok: false, fault };
  } catch (error) {
    removeDatabase(replica, target);
    throw error;
  }
}

function removeDatabase(replica: SqliteReplica | undefined, path: string): void {
  replica?.close();
  for (const suffix of ["", "-wal", "-shm"]) rmSync(`${path}${suffix}`, { force: true });
}
