/** registerServer / touchServer / listServers on SQL Server. */
import type { ConnectionPool } from "mssql";
import type { AuditHead, ServerRole, ServerRow } from "../dialect.js";
import { servers } from "../schema/mssql.js";
import { affected, execute, select } from "./request.js";
import { insertServerSql, listServersSql, refreshServerSql, touchServerSql } from "./servers-sql.js";
import { decodeRow } from "./table-rows.js";
import { inTransaction } from "./transaction.js";

export function registerServer(
  pool: ConnectionPool,
  serverId: string,
  hostname: string,
  now: Date,
  role: ServerRole,
): Promise<{ readonly firstBoot: boolean }> {
  const at = Math.floor(now.getTime());
  return inTransaction(pool, async (tx) => {
    if ((await affected(tx, refreshServerSql(serverId, hostname, at, role))) > 0) return { firstBoot: false };
    await execute(tx, insertServerSql(serverId, hostname, at, role));
    return { firstBoot: true };
  });
}

export async function touchServer(pool: ConnectionPool, serverId: string, now: Date, auditHead?: AuditHead, role?: ServerRole): Promise<void> {
  await execute(pool, touchServerSql(serverId, Math.floor(now.getTime()), auditHead, role));
}

export async function listServers(pool: ConnectionPool): Promise<ServerRow[]> {
  return (await select(pool, listServersSql)).map((record) => decodeRow(servers, record));
}
