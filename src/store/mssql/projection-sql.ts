/**
 * Projection row changes and reads as T-SQL. Changes are packed, in order, into as few
 * requests as the parameter limit allows (one round trip for a typical batch instead of one
 * per row), each parameter typed like its column (sql-types.ts).
 */
import type { MsSqlTable } from "drizzle-orm/mssql-core";
import type { ProjectionTableName, Row, RowChange } from "../../../projections/row-change.js";
import { ProjectionRowError } from "../row-change-sql.js";
import { mssqlProjectionTables } from "./projection-tables.js";
import { bracket, MAX_PARAMS_PER_REQUEST, ParamList, type Statement } from "./statement.js";
import { selectList, tableColumns, tableName, type TableColumn } from "./table-rows.js";
import { OPEN_ORDER_STATUSES } from "../order-status-counts.js";

function columnsOf(tableKey: string, table: MsSqlTable, row: Row): [TableColumn, Row[string]][] {
  const byKey = new Map(tableColumns(table).map((c) => [c.key, c]));
  return Object.entries(row).map(([key, value]) => {
    const column = byKey.get(key);
    if (!column) throw new ProjectionRowError(`table ${tableKey} has no column ${key}`);
    return [column, value];
  });
}

function assign(p: ParamList, pairs: [TableColumn, Row[string]][], separator: string): string {
  return pairs.map(([c, value]) => `${bracket(c.name)} = ${p.bind(c.type, value)}`).join(separator);
}

function keyCondition(p: ParamList, table: MsSqlTable, change: RowChange & { readonly key: Row }): string {
  const pairs = columnsOf(change.table, table, change.key);
  // An empty key would touch every row of the table.
  if (pairs.length === 0) throw new ProjectionRowError(`${change.kind} on ${change.table} without a key`);
  return assign(p, pairs, " AND ");
}

/** One change as one T-SQL statement, its parameters appended to `p`. */
export function rowChangeText(p: ParamList, change: RowChange): string {
  const table = mssqlProjectionTables[change.table];
  const name = tableName(table);
  switch (change.kind) {
    case "insert": {
      const pairs = columnsOf(change.table, table, change.row);
      if (pairs.length === 0) throw new ProjectionRowError(`insert into ${change.table} without columns`);
      const names = pairs.map(([c]) => bracket(c.name)).join(", ");
      const values = pairs.map(([c, value]) => p.bind(c.type, value)).join(", ");
      return `INSERT INTO ${name} (${names}) VALUES (${values})`;
    }
    case "update": {
      const set = columnsOf(change.table, table, change.set);
      if (set.length === 0) throw new ProjectionRowError(`update of ${change.table} without columns`);
      return `UPDATE ${name} SET ${assign(p, set, ", ")} WHERE ${keyCondition(p, table, change)}`;
    }
    case "delete":
      return `DELETE FROM ${name} WHERE ${keyCondition(p, table, change)}`;
  }
}

function paramCount(change: RowChange): number {
  switch (change.kind) {
    case "insert":
      return Object.keys(change.row).length;
    case "update":
      return Object.keys(change.set).length + Object.keys(change.key).length;
    case "delete":
      return Object.keys(change.key).length;
  }
}

/** The changes, in order, as requests of several `;`-separated statements each. */
export function rowChangesSql(changes: readonly RowChange[]): Statement[] {
  const requests: Statement[] = [];
  let p = new ParamList();
  let texts: string[] = [];
  for (const change of changes) {
    if (texts.length > 0 && p.size + paramCount(change) > MAX_PARAMS_PER_REQUEST) {
      requests.push(p.statement(texts.join(";\n")));
      p = new ParamList();
      texts = [];
    }
    texts.push(rowChangeText(p, change));
  }
  if (texts.length > 0) requests.push(p.statement(texts.join(";\n")));
  return requests;
}

/**
 * Every row (or those whose columns equal `where`), ordered by every column (declaration
 * order), so two reads compare equal.
 */
export function readProjectionSql(table: ProjectionTableName, where?: Row): Statement {
  const target = mssqlProjectionTables[table];
  const order = tableColumns(target)
    .map((c) => bracket(c.name))
    .join(", ");
  const p = new ParamList();
  const filter = where && Object.keys(where).length > 0 ? ` WHERE ${assign(p, columnsOf(table, target, where), " AND ")}` : "";
  return p.statement(`SELECT ${selectList(target)} FROM ${tableName(target)}${filter} ORDER BY ${order}`);
}

/** EventStoreDialect.readOrdersPage: the (account_id, order_id) index, `TOP` rows in id order. */
export function readOrdersPageSql(accountId: string, after: string, limit: number): Statement {
  const target = mssqlProjectionTables.acme_orders;
  const columns = new Map(tableColumns(target).map((c) => [c.key, c]));
  const account = columns.get("accountId");
  const order = columns.get("orderId");
  if (!account || !order) throw new ProjectionRowError("acme_orders lacks account_id or order_id");
  const p = new ParamList();
  const top = p.bind({ name: "int" }, limit);
  const where = `${bracket(account.name)} = ${p.bind(account.type, accountId)} AND ${bracket(order.name)} > ${p.bind(order.type, after)}`;
  return p.statement(`SELECT TOP (${top}) ${selectList(target)} FROM ${tableName(target)} WHERE ${where} ORDER BY ${bracket(order.name)}`);
}

/** Emptied before a rebuild: DELETE, not TRUNCATE, which needs ALTER permission on the table. */
export function clearProjectionSql(table: ProjectionTableName): Statement {
  return { text: `DELETE FROM ${tableName(mssqlProjectionTables[table])}`, params: [] };
}

/** Orders per stored status (status index only) and lapsed open orders at `now` (order-status-counts.ts). */
export function countOrdersByStatusSql(now: Date): Statement {
  const p = new ParamList();
  const open = OPEN_ORDER_STATUSES.map((status) => p.bind({ name: "varchar", length: 16 }, status)).join(", ");
  const bound = p.bind({ name: "bigint" }, now.getTime());
  return p.statement(
    "SELECT [status], COUNT_BIG(*) AS [total], CAST(0 AS bigint) AS [expired] FROM [acme_orders] GROUP BY [status] " +
      "UNION ALL " +
      `SELECT [status], CAST(0 AS bigint), COUNT_BIG(*) FROM [acme_orders] WHERE [status] IN (${open}) AND [expires_at] <= ${bound} GROUP BY [status]`,
  );
}
