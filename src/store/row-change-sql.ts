/**
 * Projection RowChanges on the way to SQL (used by the PostgreSQL dialect): projections name columns by
 * their TS property names; each dialect maps the table name to its drizzle table in one record,
 * and this module looks columns up in it. It groups changes into runs that one statement can
 * apply (PostgreSQL renders them in postgres/recordset.ts).
 */
import { getColumns, type Column, type Table } from "drizzle-orm";
import type { Row, RowChange } from "../../projections/row-change.js";

/** A projection produced a change the table cannot take: a bug in the projection. */
export class ProjectionRowError extends Error {
  override readonly name = "ProjectionRowError";
}

function columnsOf(table: Table, tableName: string, row: Row): [Column, Row[string]][] {
  const columns = getColumns(table) as Record<string, Column>;
  return Object.entries(row).map(([key, value]) => {
    const column = columns[key];
    if (!column) throw new ProjectionRowError(`table ${tableName} has no column ${key}`);
    return [column, value];
  });
}

/** Consecutive changes of one kind to one table with the same columns (see groupChanges). */
export interface RowChangeRun {
  readonly kind: RowChange["kind"];
  readonly table: RowChange["table"];
  readonly changes: readonly RowChange[];
}

/** The columns a change names, sorted: changes of one shape can share one statement. */
export function changeShape(change: RowChange): string {
  const names = (row: Row) => Object.keys(row).sort().join(",");
  switch (change.kind) {
    case "insert":
      return names(change.row);
    case "update":
      return `${names(change.key)}|${names(change.set)}`;
    case "delete":
      return names(change.key);
  }
}

const keyOf = (change: RowChange): string | undefined =>
  change.kind === "insert" ? undefined : JSON.stringify(Object.keys(change.key).sort().map((k) => change.key[k]));

/**
 * Group consecutive changes of the same kind, table and shape, so a network dialect can send
 * each run as one statement (one round trip and one plan, instead of one per row). Order is
 * kept: changes never move past each other, so an update still follows the insert it
 * targets. An update or delete whose key already occurs in the run starts a new run: one
 * UPDATE … FROM applies only one source row to a target row, and the second change of a row
 * must see the first.
 */
export function groupChanges(changes: readonly RowChange[], maxRows: number): RowChangeRun[] {
  const runs: RowChangeRun[] = [];
  let current: { kind: RowChange["kind"]; table: RowChange["table"]; shape: string; changes: RowChange[]; keys: Set<string> } | undefined;
  for (const change of changes) {
    const shape = changeShape(change);
    const key = keyOf(change);
    const joins =
      current !== undefined &&
      current.kind === change.kind &&
      current.table === change.table &&
      current.shape === shape &&
      current.changes.length < maxRows &&
      (key === undefined || !current.keys.has(key));
    if (!joins || !current) {
      current = { kind: change.kind, table: change.table, shape, changes: [], keys: new Set() };
      runs.push({ kind: current.kind, table: current.table, changes: current.changes });
    }
    current.changes.push(change);
    if (key !== undefined) current.keys.add(key);
  }
  return runs;
}

/** The drizzle columns of a table for TS property names, in the order given. */
export function columnsNamed(table: Table, tableName: string, keys: readonly string[]): Column[] {
  return columnsOf(table, tableName, Object.fromEntries(keys.map((key) => [key, null]))).map(([column]) => column);
}
