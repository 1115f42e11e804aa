/**
 * Import events that were sealed elsewhere — read from another database or an export — keeping
 * their envelopes exactly (position, event id, time, node, hash): a copy of a log, not new
 * appends. Each batch must continue this log: the next position, `prev` linking the head's
 * hash, each stream's next version. Runs the inline projections in the same transaction, so
 * the tables always match the imported log (DESIGN §2 invariant 1).
 */
import type { StoredEvent } from "../../../events/index.js";
import type { RowChange } from "../../../projections/row-change.js";
import type { LogHead } from "../dialect.js";
import { streamType } from "../plan-append.js";
import { toEventRow } from "../rows.js";
import { applyRowChanges } from "./apply-changes.js";
import type { SqliteConnection } from "./connection.js";
import { readHead } from "./read.js";
import type { SqliteStatements } from "./statements.js";

export class EventImportRefused extends Error {
  override readonly name = "EventImportRefused";
}

export function importEvents(
  connection: SqliteConnection,
  statements: SqliteStatements,
  events: readonly StoredEvent[],
  project: (events: readonly StoredEvent[]) => readonly RowChange[],
): LogHead {
  return connection.client.transaction((): LogHead => {
    let head = readHead(statements);
    if (events.length === 0) return head;
    const streams = new Map<string, { version: number; created: boolean; createdAt: number; updatedAt: number }>();
    for (const event of events) {
      if (event.gp !== head.position + 1) {
        throw new EventImportRefused(`event at position ${event.gp} does not follow the log head at position ${head.position}`);
      }
      if (event.prev !== head.hash) throw new EventImportRefused(`event at position ${event.gp} does not link to the hash of position ${head.position}`);
      const at = Date.parse(event.at);
      const stream = streams.get(event.sid) ?? storedStream(statements, event.sid, at);
      if (event.sv !== stream.version + 1) {
        throw new EventImportRefused(`event at position ${event.gp} has version ${event.sv} of stream ${event.sid}, which is at version ${stream.version}`);
      }
      streams.set(event.sid, { ...stream, version: event.sv, updatedAt: at });
      statements.insertEvent.run({ ...toEventRow(event) });
      head = { position: event.gp, hash: event.hash };
    }
    for (const [streamId, s] of streams) {
      if (s.created) statements.insertStream.run({ streamId, streamType: streamType(streamId), version: s.version, at: s.createdAt });
      statements.updateStream.run({ streamId, version: s.version, at: s.updatedAt });
    }
    statements.updateHead.run({ position: head.position, hash: head.hash });
    applyRowChanges(connection, project(events));
    return head;
  }).immediate();
}

function storedStream(statements: SqliteStatements, streamId: string, at: number) {
  const row = statements.streamVersion.get({ streamId });
  return { version: row?.version ?? 0, created: !row, createdAt: at, updatedAt: at };
}
