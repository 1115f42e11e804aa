/** Run a Statement on the pool or inside a transaction, binding every parameter with its type. */
import type { ConnectionPool, IResult, Transaction } from "mssql";
import { driverType } from "./sql-types.js";
import type { Statement } from "./statement.js";

export type Requester = ConnectionPool | Transaction;

export async function execute(on: Requester, statement: Statement): Promise<IResult<Record<string, unknown>>> {
  const request = on.request();
  for (const param of statement.params) request.input(param.name, driverType(param.type), param.value);
  return request.query<Record<string, unknown>>(statement.text);
}

/** The rows of the (first) result set. */
export async function select(on: Requester, statement: Statement): Promise<Record<string, unknown>[]> {
  const result = await execute(on, statement);
  return [...(result.recordset ?? [])];
}

/** Total rows affected by every statement of the request. */
export async function affected(on: Requester, statement: Statement): Promise<number> {
  const result = await execute(on, statement);
  return result.rowsAffected.reduce((sum, n) => sum + n, 0);
}

/** A parameterless batch, sent as-is (no sp_executesql): DDL such as CREATE TRIGGER. */
export async function batch(on: Requester, text: string): Promise<void> {
  await on.request().batch(text);
}
