/**
 * The steps an append (append.ts) and an import (import.ts) share on PostgreSQL, on the
 * postgres-js transaction of the caller: take the head row `FOR UPDATE` and, in the same
 * round trip, read the writer lease and the stream versions; then the statements that write
 * events, streams and head, sent together with the projection statements (pipelined).
 */
import type postgres from "postgres";
import type { EventRow, LeaseRow, LogHead } from "../dialect.js";
import { EventLogNotInitialisedError } from "../dialect-errors.js";
import { assertLeaseHeld } from "../lease.js";
import { streamType } from "../plan-append.js";
import { esEvents, esStreams } from "../schema/postgres.js";
import { sendStatements } from "./apply-changes.js";
import type { Queryable } from "./connection.js";
import { insertRecordsetText, MAX_ROWS_PER_STATEMENT, type RecordsetStatement } from "./recordset.js";

/**
 * The lease row (absent: nulls) and the versions of the named streams, as one row. A separate
 * statement from the head lock on purpose: under READ COMMITTED a statement sees what was committed
 * when it started, and one that waited for the head lock would still see stream versions and
 * the lease from before the append that held the lock (only the locked row is re-read). Sent
 * right behind the lock, it starts once the lock is held: one round trip for both.
 *
 * The stream ids travel as a JSON array through `certeasy_json_rows` (its estimate: one row)
 * rather than as `= any($1::varchar[])`: a prepared statement's generic plan guesses ten ids
 * for an array parameter, and with that guess PostgreSQL scanned the whole of es_streams for
 * every batch until the table held a few thousand streams.
 */
export const WRITER_STATE = `select l.holder_server_id, l.holder_hostname, l.epoch, l.acquired_at, l.renewed_at, l.expires_at,
  (select coalesce(json_agg(json_build_array(s.stream_id, s.version)), '[]'::json)
     from es_streams s where s.stream_id in (select id #>> '{}' from certeasy_json_rows($1::text::json) as id)) as versions
  from (select 1) as one left join node_lease as l on l.id = 1`;

interface HeadRow {
  readonly last_position: string;
  readonly last_hash: string;
}

interface WriterStateRow {
  // bigint columns arrive as strings from postgres-js
  readonly holder_server_id: string | null;
  readonly holder_hostname: string | null;
  readonly epoch: string | null;
  readonly acquired_at: string | null;
  readonly renewed_at: string | null;
  readonly expires_at: string | null;
  readonly versions: readonly (readonly [string, number])[];
}

function leaseOf(row: WriterStateRow): LeaseRow | null {
  if (row.holder_server_id === null || row.holder_hostname === null) return null;
  return {
    holderServerId: row.holder_server_id,
    holderHostname: row.holder_hostname,
    epoch: Number(row.epoch),
    acquiredAt: Number(row.acquired_at),
    renewedAt: Number(row.renewed_at),
    expiresAt: Number(row.expires_at),
  };
}

/**
 * The serialization point (DESIGN §2 invariant 3), then fencing (invariant 8): the lease changes
 * hands only under the head lock we now hold. A null epoch is unfenced. One round trip.
 */
export async function lockHeadAndReadVersions(
  tx: postgres.TransactionSql,
  writer: { readonly serverId: string; readonly leaseEpoch: number | null },
  streamIds: readonly string[],
): Promise<{ readonly head: LogHead; readonly versions: Map<string, number> }> {
  const [heads, states] = await Promise.all([
    // Tagged, not unsafe(): postgres-js sends a parameterless unsafe() as a simple query, parsed every time.
    tx<HeadRow[]>`select last_position, last_hash from es_log_head where id = 1 for update`.execute(),
    tx.unsafe<WriterStateRow[]>(WRITER_STATE, [JSON.stringify(streamIds)], { prepare: true }).execute(),
  ]);
  const [head] = heads;
  const [state] = states;
  if (!head || !state) throw new EventLogNotInitialisedError();
  assertLeaseHeld(leaseOf(state), writer.serverId, writer.leaseEpoch);
  return {
    head: { position: Number(head.last_position), hash: head.last_hash },
    versions: new Map(state.versions.map(([streamId, version]) => [streamId, version])),
  };
}

export interface StreamWrite {
  readonly version: number;
  /** epoch ms; used only when the stream is new */
  readonly createdAt: number;
  readonly updatedAt: number;
}

const eventKeys = [
  "position", "eventId", "streamId", "streamVersion", "eventType", "schemaVersion", "recordedAt", "serverId", "body", "hash",
] as const satisfies readonly (keyof EventRow)[];

let texts: { readonly events: string; readonly streams: string } | undefined;

function logTexts(): { readonly events: string; readonly streams: string } {
  texts ??= {
    events: insertRecordsetText(esEvents, eventKeys),
    streams: insertRecordsetText(
      esStreams,
      ["streamId", "streamType", "version", "createdAt", "updatedAt"],
      ` on conflict ("stream_id") do update set "version" = excluded."version", "updated_at" = excluded."updated_at"`,
    ),
  };
  return texts;
}

const HEAD_UPDATE = "update es_log_head set last_position = $1, last_hash = $2 where id = 1";

/** Events, their streams (inserted or advanced) and the head, as one batch leaves them. */
export function logWrites(
  tx: Queryable,
  rows: readonly EventRow[],
  streams: Iterable<readonly [string, StreamWrite]>,
  head: LogHead,
): Promise<unknown>[] {
  const { events, streams: streamsText } = logTexts();
  const statements: RecordsetStatement[] = [];
  for (let i = 0; i < rows.length; i += MAX_ROWS_PER_STATEMENT) {
    statements.push({ text: events, rows: JSON.stringify(rows.slice(i, i + MAX_ROWS_PER_STATEMENT)) });
  }
  const streamRows = [...streams].map(([streamId, s]) => ({ streamId, streamType: streamType(streamId), ...s }));
  for (let i = 0; i < streamRows.length; i += MAX_ROWS_PER_STATEMENT) {
    statements.push({ text: streamsText, rows: JSON.stringify(streamRows.slice(i, i + MAX_ROWS_PER_STATEMENT)) });
  }
  return [
    ...sendStatements(tx, statements),
    tx.unsafe(HEAD_UPDATE, [head.position, head.hash], { prepare: true }).execute(),
  ];
}
