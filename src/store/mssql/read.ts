/** Reads of the log and of projection tables on SQL Server. */
import type { ProjectionTableName, Row } from "../../../projections/row-change.js";
import type { EventRow, LogHead } from "../dialect.js";
import { EventLogNotInitialisedError } from "../dialect-errors.js";
import { esEvents, esLogHead } from "../schema/mssql.js";
import { readAllSql, readByServerSql, readHeadSql, readStreamSql, streamVersionsSql } from "./log-sql.js";
import { mssqlProjectionTables } from "./projection-tables.js";
import { countOrdersByStatusSql, readOrdersPageSql, readProjectionSql } from "./projection-sql.js";
import { orderStatusCountsOfRows, type OrderStatusCounts } from "../order-status-counts.js";
import { select, type Requester } from "./request.js";
import { columnType, decodeValue } from "./sql-types.js";
import type { Statement } from "./statement.js";
import { decodeRow } from "./table-rows.js";

const positionType = columnType(esLogHead.lastPosition);

/** The head row as selected by lockHeadSql/readHeadSql. */
export async function readHeadWith(on: Requester, statement: Statement = readHeadSql): Promise<LogHead> {
  const [row] = await select(on, statement);
  if (!row) throw new EventLogNotInitialisedError();
  const position = decodeValue(positionType, row["position"], "es_log_head.last_position");
  const hash = row["hash"];
  if (typeof position !== "number" || typeof hash !== "string") throw new EventLogNotInitialisedError();
  return { position, hash };
}

async function events(on: Requester, statement: Statement): Promise<EventRow[]> {
  return (await select(on, statement)).map((record) => decodeRow(esEvents, record));
}

export const readAll = (on: Requester, after: number, limit: number): Promise<EventRow[]> =>
  events(on, readAllSql(after, limit));

export const readStream = (on: Requester, streamId: string): Promise<EventRow[]> => events(on, readStreamSql(streamId));

export const readByServer = (on: Requester, serverId: string, after: number, limit: number): Promise<EventRow[]> =>
  events(on, readByServerSql(serverId, after, limit));

/** Current version of each stream that exists (absent = version 0). */
export async function readStreamVersions(on: Requester, streamIds: readonly string[]): Promise<Map<string, number>> {
  const versions = new Map<string, number>();
  for (const statement of streamVersionsSql(streamIds)) {
    for (const row of await select(on, statement)) {
      const version = decodeValue(positionType, row["version"], "es_streams.version");
      if (typeof version === "number") versions.set(String(row["streamId"]), version);
    }
  }
  return versions;
}

export async function readProjection(on: Requester, table: ProjectionTableName, where?: Row): Promise<Record<string, unknown>[]> {
  const target = mssqlProjectionTables[table];
  return (await select(on, readProjectionSql(table, where))).map((record) => decodeRow(target, record));
}

export async function readOrdersPage(on: Requester, accountId: string, after: string, limit: number): Promise<Record<string, unknown>[]> {
  return (await select(on, readOrdersPageSql(accountId, after, limit))).map((record) => decodeRow(mssqlProjectionTables.acme_orders, record));
}

export async function countOrdersByStatus(on: Requester, now: Date): Promise<OrderStatusCounts> {
  return orderStatusCountsOfRows(await select(on, countOrdersByStatusSql(now)));
}
