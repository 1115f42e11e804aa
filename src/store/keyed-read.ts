/**
 * Keyed reads of projection tables, built once per (table, filter columns): ACME requests read
 * their account, order, authorizations and challenges by id on every request, and building the
 * query each time cost more than running it (issuance bench profiles). Each dialect keeps one
 * cache per connection and turns the parts into its own prepared statement.
 */
import { and, asc, eq, getColumns, sql, type Column, type SQL, type Table } from "drizzle-orm";
import type { ProjectionTableName, Row } from "../../projections/row-change.js";
import { ProjectionRowError } from "./row-change-sql.js";

/** What a dialect builds its prepared read from: every row matching the placeholders, ordered by every column. */
export interface KeyedReadParts<T extends Table> {
  readonly target: T;
  /** `col = :key and …` with one placeholder per filter column, named by its TS property */
  readonly filter: SQL | undefined;
  /** every column in declaration order, so two reads compare equal */
  readonly order: SQL[];
  /** a name for the statement, unique per table and filter columns */
  readonly shape: string;
}

export function keyedRead<T extends Table, R>(
  cache: Map<string, R>,
  tables: Readonly<Record<ProjectionTableName, T>>,
  table: ProjectionTableName,
  where: Row | undefined,
  build: (parts: KeyedReadParts<T>) => R,
): R {
  const keys = where ? Object.keys(where).sort() : [];
  const shape = `${table}|${keys.join(",")}`;
  let read = cache.get(shape);
  if (read === undefined) {
    const target = tables[table];
    const columns = getColumns(target) as Record<string, Column>;
    const filter = keys.map((key) => {
      const column = columns[key];
      if (!column) throw new ProjectionRowError(`table ${table} has no column ${key}`);
      return eq(column, sql.placeholder(key));
    });
    const order = Object.values(columns).map((column) => asc(column));
    read = build({ target, filter: filter.length > 0 ? and(...filter) : undefined, order, shape });
    cache.set(shape, read);
  }
  return read;
}
