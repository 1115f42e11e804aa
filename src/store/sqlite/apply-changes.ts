/**
 * Apply projection row changes on the SQLite connection, inside the caller's transaction.
 * The SQL of a change depends only on its shape (kind, table, column names), so each shape is
 * rendered and prepared once, then run with the row's values: rendering and preparing per row
 * cost more than the rest of the append.
 */
import type Database from "better-sqlite3";
import { getColumns, type Column } from "drizzle-orm";
import type { Cell, Row, RowChange } from "../../../projections/row-change.js";
import { ProjectionRowError } from "../row-change-sql.js";
import { sqliteProjectionTables, type SqliteConnection } from "./connection.js";

interface PreparedShape {
  readonly statement: Database.Statement;
  /** which property each `?` binds, in order */
  readonly values: (change: RowChange) => readonly Cell[];
}

const shapes = new WeakMap<Database.Database, Map<string, PreparedShape>>();

export function applyRowChanges({ client }: SqliteConnection, changes: readonly RowChange[]): void {
  let cache = shapes.get(client);
  if (!cache) shapes.set(client, (cache = new Map()));
  for (const change of changes) {
    const key = shapeKey(change);
    let shape = cache.get(key);
    if (!shape) cache.set(key, (shape = prepareShape(client, change)));
    shape.statement.run(...shape.values(change).map(toSqlite));
  }
}

function shapeKey(change: RowChange): string {
  switch (change.kind) {
    case "insert":
      return `i ${change.table} ${Object.keys(change.row).join(",")}`;
    case "update":
      return `u ${change.table} ${Object.keys(change.set).join(",")} ${Object.keys(change.key).join(",")}`;
    case "delete":
      return `d ${change.table} ${Object.keys(change.key).join(",")}`;
  }
}

function prepareShape(client: Database.Database, change: RowChange): PreparedShape {
  const columns = getColumns(sqliteProjectionTables[change.table]) as Record<string, Column>;
  const name = (property: string): string => {
    const column = columns[property];
    if (!column) throw new ProjectionRowError(`table ${change.table} has no column ${property}`);
    return `"${column.name}"`;
  };
  const where = (key: Row): string => {
    // An empty key would touch every row of the table.
    if (Object.keys(key).length === 0) throw new ProjectionRowError(`${change.kind} on ${change.table} without a key`);
    return Object.keys(key).map((k) => `${name(k)} = ?`).join(" and ");
  };
  const table = `"${change.table}"`;
  switch (change.kind) {
    case "insert": {
      const props = Object.keys(change.row);
      if (props.length === 0) throw new ProjectionRowError(`insert into ${change.table} without columns`);
      const sql = `insert into ${table} (${props.map(name).join(", ")}) values (${props.map(() => "?").join(", ")})`;
      return { statement: client.prepare(sql), values: (c) => (c.kind === "insert" ? props.map((p) => c.row[p] ?? null) : []) };
    }
    case "update": {
      const set = Object.keys(change.set);
      const keys = Object.keys(change.key);
      if (set.length === 0) throw new ProjectionRowError(`update of ${change.table} without columns`);
      const sql = `update ${table} set ${set.map((p) => `${name(p)} = ?`).join(", ")} where ${where(change.key)}`;
      return {
        statement: client.prepare(sql),
        values: (c) => (c.kind === "update" ? [...set.map((p) => c.set[p] ?? null), ...keys.map((k) => c.key[k] ?? null)] : []),
      };
    }
    case "delete": {
      const keys = Object.keys(change.key);
      const sql = `delete from ${table} where ${where(change.key)}`;
      return { statement: client.prepare(sql), values: (c) => (c.kind === "delete" ? keys.map((k) => c.key[k] ?? null) : []) };
    }
  }
}

/** better-sqlite3 binds numbers, strings and null; booleans are stored as 0/1. */
const toSqlite = (cell: Cell): string | number | null => (typeof cell === "boolean" ? (cell ? 1 : 0) : cell);
