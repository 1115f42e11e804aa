/** The node registry (`servers`): an operational table, written directly. */
import type { AuditHead, ServerRole } from "../dialect.js";
import { servers } from "../schema/mssql.js";
import { ParamList, type Statement } from "./statement.js";
import { columnType } from "./sql-types.js";
import { selectList, tableName } from "./table-rows.js";

const T = tableName(servers);
const type = {
  serverId: columnType(servers.serverId),
  hostname: columnType(servers.hostname),
  at: columnType(servers.lastSeen),
  auditLines: columnType(servers.auditLines),
  auditHeadHash: columnType(servers.auditHeadHash),
  role: columnType(servers.role),
};

/**
 * First half of the upsert. UPDLOCK + HOLDLOCK keep the key range locked until the insert
 * that follows in the same transaction, so two registrations of one id cannot both insert.
 */
export function refreshServerSql(serverId: string, hostname: string, at: number, role: ServerRole): Statement {
  const p = new ParamList();
  return p.statement(
    `UPDATE ${T} WITH (UPDLOCK, HOLDLOCK) SET [hostname] = ${p.bind(type.hostname, hostname)}, ` +
      `[last_seen] = ${p.bind(type.at, at)}, [role] = ${p.bind(type.role, role)} WHERE [server_id] = ${p.bind(type.serverId, serverId)}`,
  );
}

export function insertServerSql(serverId: string, hostname: string, at: number, role: ServerRole): Statement {
  const p = new ParamList();
  const now = p.bind(type.at, at);
  return p.statement(
    `INSERT INTO ${T} ([server_id], [hostname], [first_seen], [last_seen], [role]) ` +
      `VALUES (${p.bind(type.serverId, serverId)}, ${p.bind(type.hostname, hostname)}, ${now}, ${now}, ${p.bind(type.role, role)})`,
  );
}

/** Refreshes last_seen, and the audit head and the role when given. */
export function touchServerSql(serverId: string, at: number, auditHead?: AuditHead, role?: ServerRole): Statement {
  const p = new ParamList();
  const head = auditHead
    ? `, [audit_lines] = ${p.bind(type.auditLines, auditHead.lines)}, [audit_head_hash] = ${p.bind(type.auditHeadHash, auditHead.hash)}`
    : "";
  const newRole = role ? `, [role] = ${p.bind(type.role, role)}` : "";
  return p.statement(`UPDATE ${T} SET [last_seen] = ${p.bind(type.at, at)}${head}${newRole} WHERE [server_id] = ${p.bind(type.serverId, serverId)}`);
}

export const listServersSql: Statement = {
  text: `SELECT ${selectList(servers)} FROM ${T} ORDER BY [last_seen] DESC, [server_id]`,
  params: [],
};
