/**
 * Render a projection's RowChange as SQL for any drizzle dialect. Projections name columns by
 * their TS property names; each dialect maps the table name to its drizzle table in one record,
 * and this module looks columns up in it, so values go through each column's own encoder.
 */
import { getColumns, sql, type Column, type SQL, type Table } from "drizzle-orm";
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

function assignments(pairs: [Column, Row[string]][], separator: SQL): SQL {
  return sql.join(
    pairs.map(([column, value]) => sql`${sql.identifier(column.name)} = ${sql.param(value, column)}`),
    separator,
  );
}

function keyCondition(table: Table, change: RowChange & { key: Row }): SQL {
  const pairs = columnsOf(table, change.table, change.key);
  // An empty key would touch every row of the table.
  if (pairs.length === 0) throw new ProjectionRowError(`${change.kind} on ${change.table} without a key`);
  return assignments(pairs, sql` and `);
}

export function rowChangeSql(table: Table, change: RowChange): SQL {
  switch (change.kind) {
    case "insert": {
      const pairs = columnsOf(table, change.table, change.row);
      if (pairs.length === 0) throw new ProjectionRowError(`insert into ${change.table} without columns`);
      const names = sql.join(pairs.map(([column]) => sql.identifier(column.name)), sql`, `);
      const values = sql.join(pairs.map(([column, value]) => sql.param(value, column)), sql`, `);
      return sql`insert into ${table} (${names}) values (${values})`;
    }
    case "update": {
      const set = columnsOf(table, change.table, change.set);
      if (set.length === 0) throw new ProjectionRowError(`update of ${change.table} without columns`);
      return sql`update ${table} set ${assignments(set, sql`, `)} where ${keyCondition(table, change)}`;
    }
    case "delete":
      return sql`delete from ${table} where ${keyCondition(table, change)}`;
  }
}

/** Consecutive inserts into one table with the same columns, or a single other change. */
export type RowChangeRun =
  | { readonly kind: "inserts"; readonly table: RowChange["table"]; readonly rows: readonly Row[] }
  | { readonly kind: "single"; readonly change: RowChange };

/**
 * Group consecutive same-shape inserts so a network dialect can send them as one multi-row
 * INSERT (one round trip instead of one per row). Order is kept: changes never move past each
 * other, so an update still follows the insert it targets.
 */
export function groupInserts(changes: readonly RowChange[], maxRows: number): RowChangeRun[] {
  const runs: RowChangeRun[] = [];
  let current: { table: RowChange["table"]; shape: string; rows: Row[] } | undefined;
  for (const change of changes) {
    if (change.kind === "insert") {
      const shape = Object.keys(change.row).join(",");
      if (current && current.table === change.table && current.shape === shape && current.rows.length < maxRows) {
        current.rows.push(change.row);
        continue;
      }
      current = { table: change.table, shape, rows: [change.row] };
      runs.push({ kind: "inserts", table: current.table, rows: current.rows });
      continue;
    }
    current = undefined;
    runs.push({ kind: "single", change });
  }
  return runs;
}

/** One multi-row INSERT for rows of the same shape. */
export function insertRowsSql(table: Table, tableName: RowChange["table"], rows: readonly Row[]): SQL {
  const first = rows[0];
  if (!first) throw new ProjectionRowError(`insert into ${tableName} without rows`);
  const columns = columnsOf(table, tableName, first).map(([column]) => column);
  const keys = Object.keys(first);
  const names = sql.join(columns.map((column) => sql.identifier(column.name)), sql`, `);
  const tuples = rows.map(
    (row) => sql`(${sql.join(columns.map((column, i) => sql.param(row[keys[i] ?? ""] ?? null, column)), sql`, `)})`,
  );
  return sql`insert into ${table} (${names}) values ${sql.join(tuples, sql`, `)}`;
}

/** `col1 = v1 and col2 = v2` over a projection table, for keyed reads; undefined for no filter. */
export function rowFilterSql(table: Table, tableName: RowChange["table"], where: Row | undefined): SQL | undefined {
  if (!where || Object.keys(where).length === 0) return undefined;
  return assignments(columnsOf(table, tableName, where), sql` and `);
}
