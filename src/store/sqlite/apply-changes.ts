/**
 * Apply projection row changes on the SQLite connection, inside the caller's transaction.
 * The SQL text of a change depends only on its shape (table, kind, columns), so each shape is
 * prepared once and reused: preparing per row cost more than the rest of the append.
 */
import type Database from "better-sqlite3";
import { SQLiteDialect } from "drizzle-orm/sqlite-core";
import type { RowChange } from "../../../projections/row-change.js";
import { rowChangeSql } from "../row-change-sql.js";
import { sqliteProjectionTables, type SqliteConnection } from "./connection.js";

const renderer = new SQLiteDialect();
const prepared = new WeakMap<Database.Database, Map<string, Database.Statement>>();

export function applyRowChanges({ client }: SqliteConnection, changes: readonly RowChange[]): void {
  let cache = prepared.get(client);
  if (!cache) prepared.set(client, (cache = new Map()));
  for (const change of changes) {
    const query = renderer.sqlToQuery(rowChangeSql(sqliteProjectionTables[change.table], change));
    let statement = cache.get(query.sql);
    if (!statement) cache.set(query.sql, (statement = client.prepare(query.sql)));
    statement.run(...query.params);
  }
}
