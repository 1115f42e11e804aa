/**
 * Prepared statements of the hot paths (append, log reads). The unprepared query builder costs
 * 2–3× per statement (dependencies.md §5). They are prepared on first use, because SQLite
 * checks the tables when preparing and the dialect exists before `migrate` has run.
 */
import { and, asc, eq, gt, sql } from "drizzle-orm";
import { esEvents, esLogHead, esStreams, nodeLease } from "../schema/sqlite.js";
import type { SqliteConnection } from "./connection.js";
import { leaseColumns } from "./lease.js";

const p = sql.placeholder;

export function prepareStatements({ db }: SqliteConnection) {
  return {
    head: db
      .select({ position: esLogHead.lastPosition, hash: esLogHead.lastHash })
      .from(esLogHead)
      .where(eq(esLogHead.id, 1))
      .prepare(),
    /** the fencing check of every append (lease.ts) */
    lease: db
      .select(leaseColumns)
      .from(nodeLease)
      .where(eq(nodeLease.id, 1))
      .prepare(),
    streamVersion: db
      .select({ version: esStreams.version })
      .from(esStreams)
      .where(eq(esStreams.streamId, p("streamId")))
      .prepare(),
    insertEvent: db
      .insert(esEvents)
      .values({
        position: p("position"),
        eventId: p("eventId"),
        streamId: p("streamId"),
        streamVersion: p("streamVersion"),
        eventType: p("eventType"),
        schemaVersion: p("schemaVersion"),
        recordedAt: p("recordedAt"),
        serverId: p("serverId"),
        body: p("body"),
        hash: p("hash"),
      })
      .prepare(),
    insertStream: db
      .insert(esStreams)
      .values({
        streamId: p("streamId"),
        streamType: p("streamType"),
        version: p("version"),
        createdAt: p("at"),
        updatedAt: p("at"),
      })
      .prepare(),
    updateStream: db
      .update(esStreams)
      .set({ version: p("version"), updatedAt: p("at") })
      .where(eq(esStreams.streamId, p("streamId")))
      .prepare(),
    updateHead: db
      .update(esLogHead)
      .set({ lastPosition: p("position"), lastHash: p("hash") })
      .where(eq(esLogHead.id, 1))
      .prepare(),
    readAll: db
      .select()
      .from(esEvents)
      .where(gt(esEvents.position, p("after")))
      .orderBy(asc(esEvents.position))
      .limit(p("limit"))
      .prepare(),
    readStream: db
      .select()
      .from(esEvents)
      .where(eq(esEvents.streamId, p("streamId")))
      .orderBy(asc(esEvents.streamVersion))
      .prepare(),
    readByServer: db
      .select()
      .from(esEvents)
      .where(and(eq(esEvents.serverId, p("serverId")), gt(esEvents.position, p("after"))))
      .orderBy(asc(esEvents.position))
      .limit(p("limit"))
      .prepare(),
  };
}

export type SqliteStatements = ReturnType<typeof prepareStatements>;

/** Prepare once, on first use. */
export function lazyStatements(connection: SqliteConnection): () => SqliteStatements {
  let statements: SqliteStatements | undefined;
  return () => (statements ??= prepareStatements(connection));
}
