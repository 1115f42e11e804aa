/**
 * The writer lease's T-SQL (DESIGN §2 invariant 8). Pure builders; lease.ts and append.ts run
 * them. Acquisition reads the row WITH (UPDLOCK, HOLDLOCK) after the head lock, so the
 * update-or-insert that follows cannot race another acquirer even before the row exists.
 */
import { nodeLease } from "../schema/mssql.js";
import type { LeaseClaim, LeaseRow } from "../dialect.js";
import { bracket, ParamList, type Statement } from "./statement.js";
import { columnType } from "./sql-types.js";
import { tableColumns, tableName } from "./table-rows.js";

const T = tableName(nodeLease);
/** The lease's own columns (not the constant id), in declaration order. */
const columns = tableColumns(nodeLease).filter((c) => c.key !== "id");
const type = {
  serverId: columnType(nodeLease.holderServerId),
  hostname: columnType(nodeLease.holderHostname),
  epoch: columnType(nodeLease.epoch),
  at: columnType(nodeLease.expiresAt),
};

const list = (prefix: string): string => columns.map((c) => `${prefix}${bracket(c.name)} AS ${bracket(c.key)}`).join(", ");

/** The lease row; `locked` for an acquisition (held to commit), plain for the fencing check and reads. */
export function readLeaseSql(locked: boolean): Statement {
  return { text: `SELECT ${list("")} FROM ${T}${locked ? " WITH (UPDLOCK, HOLDLOCK, ROWLOCK)" : ""} WHERE [id] = 1`, params: [] };
}

/** Write the acquired lease: update the one row, or insert it the first time. */
export function writeLeaseSql(lease: LeaseRow): Statement {
  const p = new ParamList();
  const values = columns.map((c) => ({ column: bracket(c.name), param: p.bind(c.type, lease[c.key as keyof LeaseRow]) }));
  return p.statement(
    `UPDATE ${T} SET ${values.map((v) => `${v.column} = ${v.param}`).join(", ")} WHERE [id] = 1; ` +
      `IF @@ROWCOUNT = 0 INSERT INTO ${T} ([id], ${values.map((v) => v.column).join(", ")}) ` +
      `VALUES (1, ${values.map((v) => v.param).join(", ")})`,
  );
}

function heldBy(p: ParamList, claim: LeaseClaim): string {
  return `[id] = 1 AND [holder_server_id] = ${p.bind(type.serverId, claim.serverId)} AND [epoch] = ${p.bind(type.epoch, claim.epoch)}`;
}

/** Renew while the claim still holds; the OUTPUT row is the renewed lease (none: lost). */
export function renewLeaseSql(claim: LeaseClaim, at: number, ttlMs: number): Statement {
  const p = new ParamList();
  return p.statement(
    `UPDATE ${T} SET [renewed_at] = ${p.bind(type.at, at)}, [expires_at] = ${p.bind(type.at, at + ttlMs)} ` +
      `OUTPUT ${list("INSERTED.")} WHERE ${heldBy(p, claim)}`,
  );
}

export function releaseLeaseSql(claim: LeaseClaim, at: number): Statement {
  const p = new ParamList();
  return p.statement(`UPDATE ${T} SET [expires_at] = ${p.bind(type.at, at)} WHERE ${heldBy(p, claim)}`);
}

/** Move the importer's lease to a later epoch (store/lease.ts epochAfterImport), only while it still names the claim. */
export function raiseLeaseEpochSql(claim: LeaseClaim, epoch: number): Statement {
  const p = new ParamList();
  return p.statement(`UPDATE ${T} SET [epoch] = ${p.bind(type.epoch, epoch)} WHERE ${heldBy(p, claim)}`);
}
