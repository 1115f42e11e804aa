/** Reads of the log and of projection tables on PostgreSQL. */
import { and, asc, eq, gt, sql } from "drizzle-orm";
import type { ProjectionTableName, Row } from "../../../projections/row-change.js";
import { keyedRead } from "../keyed-read.js";
import type { EventRow, LogHead } from "../dialect.js";
import { EventLogNotInitialisedError } from "../dialect-errors.js";
import { acmeOrders, esEvents, esLogHead } from "../schema/postgres.js";
import { countOrdersByStatusQuery, orderStatusCountsOfRows, type OrderStatusCounts } from "../order-status-counts.js";
import { postgresProjectionTables, type PostgresConnection, type PostgresTransaction } from "./connection.js";

type Reader = PostgresConnection["db"] | PostgresTransaction;

export async function readHead(db: Reader): Promise<LogHead> {
  const [head] = await db
    .select({ position: esLogHead.lastPosition, hash: esLogHead.lastHash })
    .from(esLogHead)
    .where(eq(esLogHead.id, 1));
  if (!head) throw new EventLogNotInitialisedError();
  return head;
}

export async function readAll(db: Reader, after: number, limit: number): Promise<EventRow[]> {
  return db.select().from(esEvents).where(gt(esEvents.position, after)).orderBy(asc(esEvents.position)).limit(limit);
}

const streamRead = new WeakMap<PostgresConnection["db"], { execute(values: { streamId: string }): Promise<EventRow[]> }>();

/**
 * A stream's events, by a query built once per pool: the order routes read streams on most
 * requests, and drizzle's query building cost more CPU than the round trip (postgres-js
 * prepares the text once per connection, so each read is one Bind/Execute).
 */
export async function readStream(db: PostgresConnection["db"], streamId: string): Promise<EventRow[]> {
  let read = streamRead.get(db);
  if (!read) {
    read = db.select().from(esEvents).where(eq(esEvents.streamId, sql.placeholder("streamId"))).orderBy(asc(esEvents.streamVersion)).prepare("read_stream");
    streamRead.set(db, read);
  }
  return read.execute({ streamId });
}

export async function readByServer(db: Reader, serverId: string, after: number, limit: number): Promise<EventRow[]> {
  return db
    .select()
    .from(esEvents)
    .where(and(eq(esEvents.serverId, serverId), gt(esEvents.position, after)))
    .orderBy(asc(esEvents.position))
    .limit(limit);
}

interface ProjectionRead {
  execute(values: Record<string, unknown>): Promise<Record<string, unknown>[]>;
}

/** Keyed reads (keyed-read.ts), per pool: postgres-js prepares each text once per connection. */
const projectionReads = new WeakMap<PostgresConnection["db"], Map<string, ProjectionRead>>();

/** Every row, ordered by every column (declaration order), so two reads compare equal. */
export async function readProjection(db: PostgresConnection["db"], table: ProjectionTableName, where?: Row): Promise<Record<string, unknown>[]> {
  let reads = projectionReads.get(db);
  if (!reads) projectionReads.set(db, (reads = new Map()));
  const read = keyedRead(reads, postgresProjectionTables, table, where, ({ target, filter, order, shape }) =>
    db.select().from(target).where(filter).orderBy(...order).prepare(`read_${shape}`),
  );
  return read.execute(where ?? {});
}

const ordersPageReads = new WeakMap<PostgresConnection["db"], ProjectionRead>();

/** EventStoreDialect.readOrdersPage, prepared per pooled connection like the keyed reads. */
export async function readOrdersPage(db: PostgresConnection["db"], accountId: string, after: string, limit: number): Promise<Record<string, unknown>[]> {
  let read = ordersPageReads.get(db);
  if (!read) {
    read = db
      .select()
      .from(acmeOrders)
      .where(and(eq(acmeOrders.accountId, sql.placeholder("accountId")), gt(acmeOrders.orderId, sql.placeholder("after"))))
      .orderBy(asc(acmeOrders.orderId))
      .limit(sql.placeholder("limit"))
      .prepare("read_orders_page");
    ordersPageReads.set(db, read);
  }
  return read.execute({ accountId, after, limit });
}

/** Orders per stored status (status index only) and lapsed open orders (order-status-counts.ts). */
export async function countOrdersByStatus(db: Reader, now: Date): Promise<OrderStatusCounts> {
  return orderStatusCountsOfRows([...(await db.execute<Record<string, unknown>>(countOrdersByStatusQuery(now)))]);
}
