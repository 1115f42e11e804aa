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
