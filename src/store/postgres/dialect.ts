/**
 * The PostgreSQL dialect (postgres-js): the recommended database for cold active/passive.
 * Every method rejects with the driver's own error (PostgresError with its SQLSTATE, or the
 * socket error when the server cannot be reached).
 */
import type { EventStoreDialect } from "../dialect.js";
import { PingTimeoutError } from "../dialect-errors.js";
import { rejectingWithDriverError as guard } from "../driver-error.js";
import { appendBatch } from "./append.js";
import { importBatch } from "./import.js";
import { openPostgres, type PostgresConnection, type PostgresOptions } from "./connection.js";
import { PostgresMigrator } from "./migrate.js";
import { countOrdersByStatus, readAll, readByServer, readHead, readOrdersPage, readProjection, readStream } from "./read.js";
import { readRebuildCheckpoint, rebuildProjections } from "./rebuild.js";
import { acquireLease, readLease, releaseLease, renewLease } from "./lease.js";
import { listServers, registerServer, touchServer } from "./servers.js";

export type { PostgresOptions } from "./connection.js";

async function ping({ client, pingTimeoutMs }: PostgresConnection): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PingTimeoutError(pingTimeoutMs)), pingTimeoutMs);
  });
  try {
    await Promise.race([client`SELECT 1`.execute(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function createPostgresDialect(options: PostgresOptions): EventStoreDialect {
  const connection = openPostgres(options);
  const { db } = connection;
  const migrator = new PostgresMigrator(connection);
  return {
    driver: "postgres",
    ping: guard(() => ping(connection)),
    migrate: guard(() => migrator.migrate()),
    migrationStatus: guard(() => migrator.status()),
    pendingSql: guard(() => migrator.pendingSql()),
    appendBatch: guard((commands, ctx) => appendBatch(connection, commands, ctx)),
    importEvents: guard((events, ctx) => importBatch(connection, events, ctx)),
    head: guard(() => readHead(db)),
    readAll: guard((after, limit) => readAll(db, after, limit)),
    readStream: guard((streamId) => readStream(db, streamId)),
    readByServer: guard((serverId, after, limit) => readByServer(db, serverId, after, limit)),
    registerServer: guard((serverId, hostname, now, role) => registerServer(connection, serverId, hostname, now, role)),
    touchServer: guard((serverId, now, auditHead, role) => touchServer(connection, serverId, now, auditHead, role)),
    listServers: guard(() => listServers(connection)),
    acquireLease: guard((request) => acquireLease(connection, request)),
    renewLease: guard((claim, now, ttlMs) => renewLease(connection, claim, now, ttlMs)),
    releaseLease: guard((claim, now) => releaseLease(connection, claim, now)),
    readLease: guard(() => readLease(db)),
    readProjection: guard((table, where) => readProjection(db, table, where)),
    readOrdersPage: guard((accountId, after, limit) => readOrdersPage(db, accountId, after, limit)),
    countOrdersByStatus: guard((now) => countOrdersByStatus(db, now)),
    rebuildProjections: guard((project, onProgress, options) => rebuildProjections(connection, project, onProgress, options)),
    readRebuildCheckpoint: guard(() => readRebuildCheckpoint(db)),
    close: guard(async () => {
      await Promise.all([connection.client.end({ timeout: 5 }), connection.appender.sql.end({ timeout: 5 })]);
    }),
  };
}
