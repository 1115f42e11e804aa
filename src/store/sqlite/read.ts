/** Reads of the log and of projection tables on SQLite. */
import type { ProjectionTableName, Row } from "../../../projections/row-change.js";
import { and, asc, eq, gt, sql } from "drizzle-orm";
import { keyedRead } from "../keyed-read.js";
import { acmeOrders } from "../schema/sqlite.js";
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

/** Keyed reads (keyed-read.ts), prepared once per connection. */
const preparedReads = new WeakMap<SqliteConnection["client"], Map<string, ProjectionRead>>();

/** Every row, ordered by every column (declaration order), so two reads compare equal. */
export function readProjection({ db, client }: SqliteConnection, table: ProjectionTableName, where?: Row): Record<string, unknown>[] {
  let reads = preparedReads.get(client);
  if (!reads) preparedReads.set(client, (reads = new Map()));
  const read = keyedRead(reads, sqliteProjectionTables, table, where, ({ target, filter, order }) =>
    db.select().from(target).where(filter).orderBy(...order).prepare(),
  );
  // Placeholders bypass the columns' encoders: booleans are stored as 0/1.
  const values: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(where ?? {})) values[key] = typeof value === "boolean" ? Number(value) : value;
  return read.all(values);
}

const ordersPageReads = new WeakMap<SqliteConnection["client"], ProjectionRead>();

/** EventStoreDialect.readOrdersPage, prepared once per connection. */
export function readOrdersPage({ db, client }: SqliteConnection, accountId: string, after: string, limit: number): Record<string, unknown>[] {
  let read = ordersPageReads.get(client);
  if (!read) {
    read = db
      .select()
      .from(acmeOrders)
      .where(and(eq(acmeOrders.accountId, sql.placeholder("accountId")), gt(acmeOrders.orderId, sql.placeholder("after"))))
      .orderBy(asc(acmeOrders.orderId))
      .limit(sql.placeholder("limit"))
      .prepare();
    ordersPageReads.set(client, read);
  }
  return read.all({ accountId, after, limit });
}

/** Orders per stored status (status index only) and lapsed open orders (order-status-counts.ts). */
export function countOrdersByStatus({ db }: SqliteConnection, now: Date): OrderStatusCounts {
  return orderStatusCountsOfRows(db.all<Record<string, unknown>>(countOrdersByStatusQuery(now)));
}
