/**
 * The SQLite dialect: better-sqlite3 in WAL mode, the embedded default and the single-node
 * choice (never shared across hosts). better-sqlite3 is synchronous; the interface is async so
 * that all dialects look alike, and every method rejects with the driver's own error.
 */
import type { EventStoreDialect } from "../dialect.js";
import { rejectingWithDriverError as guard } from "../driver-error.js";
import { appendBatch } from "./append.js";
import { importBatch } from "./import.js";
import { openSqlite, type SqliteOptions } from "./connection.js";
import { SqliteMigrator } from "./migrate.js";
import { countOrdersByStatus, readAll, readByServer, readHead, readOrdersPage, readProjection, readStream } from "./read.js";
import { readRebuildCheckpoint, rebuildProjections } from "./rebuild.js";
import { acquireLease, readLease, releaseLease, renewLease } from "./lease.js";
import { listServers, registerServer, touchServer } from "./servers.js";
import { lazyStatements } from "./statements.js";

export type { SqliteOptions } from "./connection.js";

export function createSqliteDialect(options: SqliteOptions): EventStoreDialect {
  const connection = openSqlite(options);
  const statements = lazyStatements(connection);
  const migrator = new SqliteMigrator(connection);
  return {
    driver: "sqlite",
    ping: guard(async () => {
      connection.client.prepare("SELECT 1").get();
    }),
    migrate: guard(async () => migrator.migrate()),
    migrationStatus: guard(async () => migrator.status()),
    pendingSql: guard(async () => migrator.pendingSql()),
    appendBatch: guard(async (commands, ctx) => appendBatch(connection, statements(), commands, ctx)),
    importEvents: guard(async (events, ctx) => importBatch(connection, statements(), events, ctx)),
    head: guard(async () => readHead(statements())),
    readAll: guard(async (after, limit) => readAll(statements(), after, limit)),
    readStream: guard(async (streamId) => readStream(statements(), streamId)),
    readByServer: guard(async (serverId, after, limit) => readByServer(statements(), serverId, after, limit)),
    registerServer: guard(async (serverId, hostname, now, role) => registerServer(connection, serverId, hostname, now, role)),
    touchServer: guard(async (serverId, now, auditHead, role) => touchServer(connection, serverId, now, auditHead, role)),
    listServers: guard(async () => listServers(connection)),
    acquireLease: guard(async (request) => acquireLease(connection, request)),
    renewLease: guard(async (claim, now, ttlMs) => renewLease(connection, claim, now, ttlMs)),
    releaseLease: guard(async (claim, now) => releaseLease(connection, claim, now)),
    readLease: guard(async () => readLease(connection)),
    readProjection: guard(async (table, where) => readProjection(connection, table, where)),
    readOrdersPage: guard(async (accountId, after, limit) => readOrdersPage(connection, accountId, after, limit)),
    countOrdersByStatus: guard(async (now) => countOrdersByStatus(connection, now)),
    rebuildProjections: guard(async (project, onProgress, options) =>
      rebuildProjections(connection, statements(), project, onProgress, options),
    ),
    readRebuildCheckpoint: guard(async () => readRebuildCheckpoint(connection)),
    close: guard(async () => {
      if (connection.client.open) connection.client.close();
    }),
  };
}
