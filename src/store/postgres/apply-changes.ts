/**
 * Apply projection row changes inside the caller's PostgreSQL transaction, in order.
 * Consecutive same-shape inserts go as one multi-row INSERT: one round trip per run rather
 * than per row, which is what bounds a large group commit on a network database.
 */
import type { RowChange } from "../../../projections/row-change.js";
import { groupInserts, insertRowsSql, rowChangeSql } from "../row-change-sql.js";
import { postgresProjectionTables, type PostgresTransaction } from "./connection.js";

// 1000 rows × a dozen columns stays far below PostgreSQL's 65535 bind parameters.
const MAX_ROWS_PER_INSERT = 1000;

export async function applyRowChanges(tx: PostgresTransaction, changes: readonly RowChange[]): Promise<void> {
  for (const run of groupInserts(changes, MAX_ROWS_PER_INSERT)) {
    if (run.kind === "inserts") {
      await tx.execute(insertRowsSql(postgresProjectionTables[run.table], run.table, run.rows));
    } else {
      await tx.execute(rowChangeSql(postgresProjectionTables[run.change.table], run.change));
    }
  }
}
