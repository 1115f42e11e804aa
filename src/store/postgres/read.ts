/** Reads of the log and of projection tables on PostgreSQL. */
import { and, asc, eq, getColumns, gt, type Column } from "drizzle-orm";
import type { ProjectionTableName, Row } from "../../../projections/row-change.js";
import { rowFilterSql } from "../row-change-sql.js";
import type { EventRow, LogHead } from "../dialect.js";
import { EventLogNotInitialisedError } from "../dialect-errors.js";
import { esEvents, esLogHead } from "../schema/postgres.js";
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

export async function readStream(db: Reader, streamId: string): Promise<EventRow[]> {
  return db.select().from(esEvents).where(eq(esEvents.streamId, streamId)).orderBy(asc(esEvents.streamVersion));
}

export async function readByServer(db: Reader, serverId: string, after: number, limit: number): Promise<EventRow[]> {
  return db
    .select()
    .from(esEvents)
    .where(and(eq(esEvents.serverId, serverId), gt(esEvents.position, after)))
    .orderBy(asc(esEvents.position))
    .limit(limit);
}

/** Every row, ordered by every column (declaration order), so two reads compare equal. */
export async function readProjection(db: Reader, table: ProjectionTableName, where?: Row): Promise<Record<string, unknown>[]> {
  const target = postgresProjectionTables[table];
  const order = Object.values(getColumns(target) as Record<string, Column>).map((column) => asc(column));
  return db.select().from(target).where(rowFilterSql(target, table, where)).orderBy(...order);
}

/** Orders per stored status (status index only) and lapsed open orders (order-status-counts.ts). */
export async function countOrdersByStatus(db: Reader, now: Date): Promise<OrderStatusCounts> {
  return orderStatusCountsOfRows([...(await db.execute<Record<string, unknown>>(countOrdersByStatusQuery(now)))]);
}
