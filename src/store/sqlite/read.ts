/** Reads of the log and of projection tables on SQLite. */
import { asc, getColumns, type Column } from "drizzle-orm";
import type { ProjectionTableName, Row } from "../../../projections/row-change.js";
import { rowFilterSql } from "../row-change-sql.js";
import type { EventRow, LogHead } from "../dialect.js";
import { EventLogNotInitialisedError } from "../dialect-errors.js";
import { sqliteProjectionTables, type SqliteConnection } from "./connection.js";
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

/** Every row, ordered by every column (declaration order), so two reads compare equal. */
export function readProjection({ db }: SqliteConnection, table: ProjectionTableName, where?: Row): Record<string, unknown>[] {
  const target = sqliteProjectionTables[table];
  const order = Object.values(getColumns(target) as Record<string, Column>).map((column) => asc(column));
  return db.select().from(target).where(rowFilterSql(target, table, where)).orderBy(...order).all();
}
