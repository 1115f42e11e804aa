/** Apply projection row changes inside the caller's PostgreSQL transaction, in order. */
import type { RowChange } from "../../../projections/row-change.js";
import { rowChangeSql } from "../row-change-sql.js";
import { postgresProjectionTables, type PostgresTransaction } from "./connection.js";

export async function applyRowChanges(tx: PostgresTransaction, changes: readonly RowChange[]): Promise<void> {
  for (const change of changes) await tx.execute(rowChangeSql(postgresProjectionTables[change.table], change));
}
