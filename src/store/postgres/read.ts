/** Reads of the log and of projection tables on PostgreSQL. */
import { and, asc, eq, getColumns, gt, sql, type Column } from "drizzle-orm";
import type { ProjectionTableName, Row } from "../../../projections/row-change.js";
import { ProjectionRowError } from "../row-change-sql.js";
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

/**
 * Keyed reads built once per (table, filter columns) and pool, as on SQLite: every ACME request
 * reads its account, and the order routes their order, authorizations and challenges, by id.
 * The text never changes, so postgres-js prepares it once per connection and each read is one
 * round trip with no query building.
 */
const projectionReads = new WeakMap<PostgresConnection["db"], Map<string, ProjectionRead>>();

/** Every row, ordered by every column (declaration order), so two reads compare equal. */
export async function readProjection(db: PostgresConnection["db"], table: ProjectionTableName, where?: Row): Promise<Record<string, unknown>[]> {
  const keys = where ? Object.keys(where).sort() : [];
  let reads = projectionReads.get(db);
  if (!reads) projectionReads.set(db, (reads = new Map()));
  const shape = `${table}|${keys.join(",")}`;
  let read = reads.get(shape);
  if (!read) {
    const target = postgresProjectionTables[table];
    const columns = getColumns(target) as Record<string, Column>;
    const filter = keys.map((key) => {
      const column = columns[key];
      if (!column) throw new ProjectionRowError(`table ${table} has no column ${key}`);
      return eq(column, sql.placeholder(key));
    });
    const order = Object.values(columns).map((column) => asc(column));
    read = db.select().from(target).where(filter.length > 0 ? and(...filter) : undefined).orderBy(...order).prepare(`read_${shape}`);
    reads.set(shape, read);
  }
  return read.execute(where ?? {});
}

/** Orders per stored status (status index only) and lapsed open orders (order-status-counts.ts). */
export async function countOrdersByStatus(db: Reader, now: Date): Promise<OrderStatusCounts> {
  return orderStatusCountsOfRows([...(await db.execute<Record<string, unknown>>(countOrdersByStatusQuery(now)))]);
}
