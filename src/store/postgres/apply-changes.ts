/**
 * Apply projection row changes inside the caller's PostgreSQL transaction, in order, one
 * fixed-shape statement per run of same-shape changes (recordset.ts).
 */
import { sql } from "drizzle-orm";
import type { RowChange } from "../../../projections/row-change.js";
import type { PostgresTransaction, Queryable } from "./connection.js";
import { projectionStatements, type RecordsetStatement } from "./recordset.js";

/**
 * Send the statements inside the caller's transaction (postgres-js's `begin`, or the explicit
 * BEGIN of a one-flight append on its own connection) without waiting for each answer: they go
 * out together and PostgreSQL runs them in order (pipelining). The caller awaits them all; if
 * one fails, the ones after it fail too (the transaction is aborted) and nothing commits.
 */
export function sendStatements(tx: Queryable, statements: readonly RecordsetStatement[]): Promise<unknown>[] {
  return statements.map(({ text, rows }) => tx.unsafe(text, [rows], { prepare: true }).execute());
}

/** The same statements through drizzle's transaction, one at a time (`projections rebuild`). */
export async function applyRowChanges(tx: PostgresTransaction, changes: readonly RowChange[]): Promise<void> {
  for (const { text, rows } of projectionStatements(changes)) {
    const [before, after, ...rest] = text.split("$1");
    if (before === undefined || after === undefined || rest.length > 0) throw new Error(`not a one-parameter statement: ${text}`);
    await tx.execute(sql`${sql.raw(before)}${rows}${sql.raw(after)}`);
  }
}
