/** Apply projection row changes on the SQLite connection, inside the caller's transaction. */
import type { RowChange } from "../../../projections/row-change.js";
import { rowChangeSql } from "../row-change-sql.js";
import { sqliteProjectionTables, type SqliteConnection } from "./connection.js";

export function applyRowChanges({ db }: SqliteConnection, changes: readonly RowChange[]): void {
  for (const change of changes) db.run(rowChangeSql(sqliteProjectionTables[change.table], change));
}
