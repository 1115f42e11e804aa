/** Reads of the log and of projection tables on SQLite. */
import { and, asc, eq, getColumns, sql, type Column } from "drizzle-orm";
import type { ProjectionTableName, Row } from "../../../projections/row-change.js";
import { ProjectionRowError } from "../row-change-sql.js";
import type { EventRow, LogHead } from "../dialect.js";
import { EventLogNotInitialisedError } from "../dialect-errors.js";
import { sqliteProjectionTables, type SqliteConnection } from "./connection.js";
import { countOrdersByStatusQuery, orderStatusCountsOfRows, type OrderStatusCounts } from "../order-status-counts.js";
import type { SqliteStatements } from "./statements.js";

export function readHead(statements: SqliteStatements): LogHead {
  const head = statements.head.get();
  if (!head) throw new EventLogNotInitialisedError();
  return head;
}

export function readAll(statements: SqliteStatements, after: number, limit: number): EventRow[] {
  return statements.readAll.all({ after, limit });
}

export function readStream(statements: SqliteStatements, streamId: string): EventRow[] {
  return statements.readStream.all({ streamId });
}

export function readByServer(statements: SqliteStatements, serverId: string, after: number, limit: number): EventRow[] {
  return statements.readByServer.all({ serverId, after, limit });
}

interface ProjectionRead {
  all(values: Record<string, unknown>): Record<string, unknown>[];
}

/**
 * Prepared keyed reads, one per (table, filter columns) and connection: ACME requests read rows
 * by id on every request, and building plus preparing the query each time cost more than the
 * read itself (issuance bench profile).
 */
const preparedReads = new WeakMap<SqliteConnection["client"], Map<string, ProjectionRead>>();

/** Every row, ordered by every column (declaration order), so two reads compare equal. */
export function readProjection({ db, client }: SqliteConnection, table: ProjectionTableName, where?: Row): Record<string, unknown>[] {
  const keys = where ? Object.keys(where).sort() : [];
  let reads = preparedReads.get(client);
  if (!reads) preparedReads.set(client, (reads = new Map()));
  const shape = `${table}|${keys.join(",")}`;
  let read = reads.get(shape);
  if (!read) {
    const target = sqliteProjectionTables[table];
    const columns = getColumns(target) as Record<string, Column>;
    const filter = keys.map((key) => {
      const column = columns[key];
      if (!column) throw new ProjectionRowError(`table ${table} has no column ${key}`);
      return eq(column, sql.placeholder(key));
    });
    const order = Object.values(columns).map((column) => asc(column));
    read = db.select().from(target).where(filter.length > 0 ? and(...filter) : undefined).orderBy(...order).prepare();
    reads.set(shape, read);
  }
  // Placeholders bypass the columns' encoders: booleans are stored as 0/1.
  const values: Record<string, unknown> = {};
  for (const key of keys) {
    const value = where?.[key];
    values[key] = typeof value === "boolean" ? Number(value) : value;
  }
  return read.all(values);
}

/** Orders per stored status (status index only) and lapsed open orders (order-status-counts.ts). */
export function countOrdersByStatus({ db }: SqliteConnection, now: Date): OrderStatusCounts {
  return orderStatusCountsOfRows(db.all<Record<string, unknown>>(countOrdersByStatusQuery(now)));
}
