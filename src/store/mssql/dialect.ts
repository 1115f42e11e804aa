/**
 * The SQL Server dialect (mssql 11 / tedious). Each operation lives in its own module; this
 * one owns the connection pool: opened on first use (so the dialect can be built before the
 * server is reachable, and `ping` reports it), re-opened after a failed connect.
 */
import mssql from "mssql";
import type { ConnectionPool } from "mssql";
import type { EventStoreDialect } from "../dialect.js";
import { PingTimeoutError } from "../dialect-errors.js";
import { appendBatch } from "./append.js";
import { importBatch } from "./import.js";
import { parseMssqlDsn } from "./dsn.js";
import { mssqlMigrate, mssqlMigrationStatus, mssqlPendingSql } from "./migrate.js";
import { countOrdersByStatus, readAll, readByServer, readHeadWith, readOrdersPage, readProjection, readStream } from "./read.js";
import { readRebuildCheckpoint, rebuildProjections } from "./rebuild.js";
import type { PoolLifetimes } from "../open.js";
import { execute } from "./request.js";
import { acquireLease, readLease, releaseLease, renewLease } from "./lease.js";
import { listServers, registerServer, touchServer } from "./servers.js";

export interface MssqlDialectOptions extends Pick<PoolLifetimes, "connMaxIdleTimeMs"> {
  /** `mssql://…` URL or ADO-style `Server=…;Database=…` string (dsn.ts) */
  readonly dsn: string;
  /** pool size */
  readonly maxConn: number;
  /** how long `ping` waits, connecting included */
  readonly pingTimeoutMs: number;
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PingTimeoutError(ms)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export function createMssqlDialect(options: MssqlDialectOptions): EventStoreDialect {
  const config = parseMssqlDsn(options.dsn);
  const pool = new mssql.ConnectionPool({
    ...config,
    // conn-max-idle-time (tarn has no maximum lifetime: conn-max-lifetime does not apply here).
    pool: { max: Math.max(1, Math.trunc(options.maxConn)), min: 0, idleTimeoutMillis: options.connMaxIdleTimeMs ?? 2 ** 31 - 1 },
  });
  // The pool emits "error" when it cannot hand out a connection; the request that asked
  // rejects with the same error, so the event itself needs no handling — but without a
  // listener Node would treat it as an uncaught exception and stop the process.
  pool.on("error", () => undefined);

  let connecting: Promise<ConnectionPool> | undefined;
  let closed = false;
  const connected = (): Promise<ConnectionPool> => {
    if (closed) return Promise.reject(new Error("the SQL Server dialect is closed"));
    connecting ??= pool.connect().catch((err: unknown) => {
      connecting = undefined;
      throw err;
    });
    return connecting;
  };

  return {
    driver: "sqlserver",
    async ping() {
      await withTimeout(
        connected().then((p) => execute(p, { text: "SELECT 1 AS [ok]", params: [] })),
        options.pingTimeoutMs,
      );
    },
    migrate: async () => mssqlMigrate(await connected()),
    migrationStatus: async () => mssqlMigrationStatus(await connected()),
    pendingSql: async () => mssqlPendingSql(await connected()),
    appendBatch: async (commands, ctx) => (commands.length === 0 ? [] : appendBatch(await connected(), commands, ctx)),
    importEvents: async (events, ctx) => importBatch(await connected(), events, ctx),
    head: async () => readHeadWith(await connected()),
    readAll: async (after, limit) => readAll(await connected(), after, limit),
    readStream: async (streamId) => readStream(await connected(), streamId),
    readByServer: async (serverId, after, limit) => readByServer(await connected(), serverId, after, limit),
    registerServer: async (serverId, hostname, now, role) => registerServer(await connected(), serverId, hostname, now, role),
    touchServer: async (serverId, now, auditHead, role) => touchServer(await connected(), serverId, now, auditHead, role),
    listServers: async () => listServers(await connected()),
    acquireLease: async (request) => acquireLease(await connected(), request),
    renewLease: async (claim, now, ttlMs) => renewLease(await connected(), claim, now, ttlMs),
    releaseLease: async (claim, now) => releaseLease(await connected(), claim, now),
    readLease: async () => readLease(await connected()),
    readProjection: async (table, where) => readProjection(await connected(), table, where),
    readOrdersPage: async (accountId, after, limit) => readOrdersPage(await connected(), accountId, after, limit),
    countOrdersByStatus: async (now) => countOrdersByStatus(await connected(), now),
    rebuildProjections: async (project, onProgress, options) => rebuildProjections(await connected(), project, onProgress, options),
    readRebuildCheckpoint: async () => readRebuildCheckpoint(await connected()),
    async close() {
      closed = true;
      const pending = connecting;
      connecting = undefined;
      if (pending) await pending.catch(() => undefined);
      await pool.close();
    },
  };
}
