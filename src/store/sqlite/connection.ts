/**
 * One better-sqlite3 connection per process, shared by appends and reads. SQLite serialises
 * writers anyway, and a single connection lets the dialect run every transaction synchronously
 * (drizzle's async form is not atomic on this driver; see dependencies.md §2).
 */
import { closeSync, existsSync, openSync } from "node:fs";
import Database from "better-sqlite3";
import { drizzle, type BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import type { ProjectionTableName } from "../../../projections/row-change.js";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import { acmeAccounts, acmeAuthorizations, acmeCertificates, acmeChallenges, acmeEabKeys, acmeOrders, nodeBoots } from "../schema/sqlite.js";

export interface SqliteOptions {
  /** database file; its directory must exist */
  readonly path: string;
  /** how long a writer waits for another process's lock before SQLITE_BUSY (default 5000) */
  readonly busyTimeoutMs?: number;
  /**
   * Open an existing file read-only, changing nothing in it (not even its journal mode): how a
   * backup or another node's copy is inspected.
   */
  readonly readOnly?: boolean;
}

export interface SqliteConnection {
  readonly client: Database.Database;
  readonly db: BetterSQLite3Database;
}

/** Every projection table, by the name projections use in RowChange. */
export const sqliteProjectionTables: Readonly<Record<ProjectionTableName, SQLiteTable>> = {
  node_boots: nodeBoots,
  acme_accounts: acmeAccounts,
  acme_orders: acmeOrders,
  acme_authorizations: acmeAuthorizations,
  acme_challenges: acmeChallenges,
  acme_certificates: acmeCertificates,
  acme_eab_keys: acmeEabKeys,
};

/** better-sqlite3's name for a private in-memory database (a scratch rebuild). */
export const MEMORY = ":memory:";

export function openSqlite(options: SqliteOptions): SqliteConnection {
  if (options.readOnly) {
    const client = new Database(options.path, { readonly: true, fileMustExist: true, timeout: busyTimeout(options) });
    return { client, db: drizzle({ client }) };
  }
  // Create a new database file private to the service account (the event log holds account
  // contacts); SQLite gives its -wal and -shm files the same permissions.
  if (options.path !== MEMORY && !existsSync(options.path)) closeSync(openSync(options.path, "a", 0o600));
  const client = new Database(options.path);
  try {
    // WAL: readers never block the writer. synchronous=FULL: a commit is on disk before the
    // append resolves, so an acknowledged event survives power loss (DESIGN §2 invariant 6).
    client.pragma("journal_mode = WAL");
    client.pragma("synchronous = FULL");
    client.pragma("foreign_keys = ON");
    // 16 MiB of page cache (SQLite's default is 2 MiB): the interior pages of the log's and the
    // projections' indexes stay hot across commits. Not more: a commit whose b-tree split had to
    // reorder sibling page numbers (balance_nonroot swaps them through the PENDING_BYTE page's
    // number, 262145 at 4 KiB) makes SQLite walk the whole page-cache hash at the end of that
    // transaction (pcache1TruncateUnsafe), and the walk grows with the cache: ~0.7 ms at 64 MiB,
    // on 3–20% of commits (docs/benchmarks.md, "The SQLite commit on the main thread").
    client.pragma("cache_size = -16384");
    // The checkpoint stays inline, run by the committing connection every 1,000 WAL pages
    // (SQLite's default, stated here on purpose): the next commit then restarts the WAL from its
    // start and overwrites blocks the file already has. A checkpoint elsewhere (a worker's
    // PASSIVE one) rarely finds the log idle enough to let it restart, so the WAL grows, and a
    // commit that extends the file costs 25–40% more CPU than one that overwrites it.
    client.pragma("wal_autocheckpoint = 1000");
    client.pragma(`busy_timeout = ${busyTimeout(options)}`);
  } catch (err) {
    client.close();
    throw err;
  }
  return { client, db: drizzle({ client }) };
}

const busyTimeout = (options: SqliteOptions): number => Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5000));
