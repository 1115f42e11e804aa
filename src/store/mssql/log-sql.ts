/**
 * The T-SQL of the event log: head lock, stream versions, event and stream writes, log reads.
 * Pure builders; append.ts and read.ts run them. Batches larger than one request allows are
 * split (MAX_PARAMS_PER_REQUEST), never truncated.
 */
import type { EventRow, LogHead } from "../dialect.js";
import { esEvents, esLogHead, esStreams } from "../schema/mssql.js";
import { bracket, chunks, ParamList, rowsPerRequest, type Statement } from "./statement.js";
import { selectList, tableColumns, tableName } from "./table-rows.js";
import { columnType } from "./sql-types.js";

const T = {
  head: tableName(esLogHead),
  streams: tableName(esStreams),
  events: tableName(esEvents),
};
const type = {
  position: columnType(esEvents.position),
  serverId: columnType(esEvents.serverId),
  streamId: columnType(esStreams.streamId),
  streamType: columnType(esStreams.streamType),
  version: columnType(esStreams.version),
  at: columnType(esStreams.updatedAt),
  hash: columnType(esLogHead.lastHash),
};
const eventColumns = tableColumns(esEvents);
const eventSelect = selectList(esEvents);

/**
 * The serialization point of every append (DESIGN §2 invariant 3). UPDLOCK: no other appender
 * can take it until we commit; HOLDLOCK: held to the end of the transaction even at READ
 * COMMITTED; ROWLOCK: the one row, never escalated to a page the readers need.
 */
export const lockHeadSql: Statement = {
  text: `SELECT [last_position] AS [position], [last_hash] AS [hash] FROM ${T.head} WITH (UPDLOCK, HOLDLOCK, ROWLOCK) WHERE [id] = 1`,
  params: [],
};

export const readHeadSql: Statement = {
  text: `SELECT [last_position] AS [position], [last_hash] AS [hash] FROM ${T.head} WHERE [id] = 1`,
  params: [],
};

export function streamVersionsSql(streamIds: readonly string[]): Statement[] {
  return chunks(streamIds, rowsPerRequest(1)).map((ids) => {
    const p = new ParamList();
    const list = ids.map((id) => p.bind(type.streamId, id)).join(", ");
    return p.statement(`SELECT [stream_id] AS [streamId], [version] FROM ${T.streams} WHERE [stream_id] IN (${list})`);
  });
}

/** Multi-row INSERTs of the batch's events, in position order. */
export function insertEventsSql(rows: readonly EventRow[]): Statement[] {
  const names = eventColumns.map((c) => bracket(c.name)).join(", ");
  return chunks(rows, rowsPerRequest(eventColumns.length)).map((chunk) => {
    const p = new ParamList();
    const values = chunk.map((row) => {
      const cells = eventColumns.map((c) => p.bind(c.type, row[c.key as keyof EventRow]));
      return `(${cells.join(", ")})`;
    });
    return p.statement(`INSERT INTO ${T.events} (${names}) VALUES ${values.join(", ")}`);
  });
}

export interface NewStream {
  readonly streamId: string;
  readonly streamType: string;
  readonly version: number;
}

export function insertStreamsSql(streams: readonly NewStream[], at: number): Statement[] {
  return chunks(streams, rowsPerRequest(3, 1)).map((chunk) => {
    const p = new ParamList();
    const now = p.bind(type.at, at);
    const values = chunk.map(
      (s) => `(${p.bind(type.streamId, s.streamId)}, ${p.bind(type.streamType, s.streamType)}, ${p.bind(type.version, s.version)}, ${now}, ${now})`,
    );
    return p.statement(
      `INSERT INTO ${T.streams} ([stream_id], [stream_type], [version], [created_at], [updated_at]) VALUES ${values.join(", ")}`,
    );
  });
}

/** A stream row as an import writes it: its own creation and update times (epoch ms). */
export interface ImportedStreamRow extends NewStream {
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** Streams created by an import (`events recover`): each keeps the times of its own events. */
export function insertImportedStreamsSql(streams: readonly ImportedStreamRow[]): Statement[] {
  return chunks(streams, rowsPerRequest(5)).map((chunk) => {
    const p = new ParamList();
    const values = chunk.map(
      (s) =>
        `(${p.bind(type.streamId, s.streamId)}, ${p.bind(type.streamType, s.streamType)}, ${p.bind(type.version, s.version)}, ` +
        `${p.bind(type.at, s.createdAt)}, ${p.bind(type.at, s.updatedAt)})`,
    );
    return p.statement(
      `INSERT INTO ${T.streams} ([stream_id], [stream_type], [version], [created_at], [updated_at]) VALUES ${values.join(", ")}`,
    );
  });
}

export interface MovedStream {
  readonly streamId: string;
  /** the version read under the head lock */
  readonly from: number;
  readonly to: number;
}

/**
 * Advance existing streams: one UPDATE per stream, several per request, so each is a seek
 * on the primary key whatever the batch size. `[version] = expected` is the backstop of
 * invariant 4: under the head lock it always matches, and if something ever bypassed the lock
 * the row count says so.
 */
export function updateStreamsSql(streams: readonly MovedStream[], at: number): (Statement & { readonly rows: number })[] {
  return chunks(streams, rowsPerRequest(3, 1)).map((chunk) => {
    const p = new ParamList();
    const now = p.bind(type.at, at);
    const updates = chunk.map(
      (s) =>
        `UPDATE ${T.streams} SET [version] = ${p.bind(type.version, s.to)}, [updated_at] = ${now} ` +
        `WHERE [stream_id] = ${p.bind(type.streamId, s.streamId)} AND [version] = ${p.bind(type.version, s.from)}`,
    );
    return { ...p.statement(updates.join(";\n")), rows: chunk.length };
  });
}

export function updateHeadSql(head: LogHead): Statement {
  const p = new ParamList();
  return p.statement(
    `UPDATE ${T.head} SET [last_position] = ${p.bind(type.position, head.position)}, [last_hash] = ${p.bind(type.hash, head.hash)} WHERE [id] = 1`,
  );
}

/** TOP refuses a negative count; a caller asking for none gets none. */
function top(limit: number): number {
  return Math.max(0, Math.trunc(limit));
}

export function readAllSql(after: number, limit: number): Statement {
  const p = new ParamList();
  return p.statement(
    `SELECT TOP (${p.bind(type.position, top(limit))}) ${eventSelect} FROM ${T.events} ` +
      `WHERE [position] > ${p.bind(type.position, after)} ORDER BY [position]`,
  );
}

export function readStreamSql(streamId: string): Statement {
  const p = new ParamList();
  return p.statement(
    `SELECT ${eventSelect} FROM ${T.events} WHERE [stream_id] = ${p.bind(type.streamId, streamId)} ORDER BY [stream_version]`,
  );
}

export function readByServerSql(serverId: string, after: number, limit: number): Statement {
  const p = new ParamList();
  return p.statement(
    `SELECT TOP (${p.bind(type.position, top(limit))}) ${eventSelect} FROM ${T.events} ` +
      `WHERE [server_id] = ${p.bind(type.serverId, serverId)} AND [position] > ${p.bind(type.position, after)} ORDER BY [position]`,
  );
}
