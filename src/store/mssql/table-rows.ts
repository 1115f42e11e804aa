/**
 * Rows keyed by TS property names (what projections, EventRow and ServerRow use), mapped to
 * and from SQL Server columns through the drizzle table definitions in schema/mssql.ts — the
 * one place that knows column names and types.
 */
import { getColumns, getTableName, type Column, type InferSelectModel } from "drizzle-orm";
import type { MsSqlTable } from "drizzle-orm/mssql-core";
import type { Cell } from "../../../projections/row-change.js";
import { bracket } from "./statement.js";
import { columnType, decodeValue, type SqlType } from "./sql-types.js";

export interface TableColumn {
  /** TS property name */
  readonly key: string;
  /** SQL column name */
  readonly name: string;
  readonly type: SqlType;
}

/** Columns in declaration order. */
export function tableColumns(table: MsSqlTable): TableColumn[] {
  return Object.entries(getColumns(table) as Record<string, Column>).map(([key, column]) => ({
    key,
    name: column.name,
    type: columnType(column),
  }));
}

export function tableName(table: MsSqlTable): string {
  return bracket(getTableName(table));
}

/** `[col] AS [key], …`: result records come back keyed by TS property names. */
export function selectList(table: MsSqlTable): string {
  return tableColumns(table)
    .map((c) => (c.name === c.key ? bracket(c.name) : `${bracket(c.name)} AS ${bracket(c.key)}`))
    .join(", ");
}

/** Decode one result record selected with `selectList(table)`. */
export function decodeRow<T extends MsSqlTable>(table: T, record: Readonly<Record<string, unknown>>): InferSelectModel<T> {
  const row: Record<string, Cell> = {};
  for (const column of tableColumns(table)) {
    row[column.key] = decodeValue(column.type, record[column.key], `${column.name}`);
  }
  // Every column was decoded with the type the table declares, which is what the model says.
  return row as InferSelectModel<T>;
}
