/** Turning stored rows back into events. */
import { parseBody, type StoredEvent } from "../../events/index.js";
import type { EventRow } from "./dialect.js";

/** The event is its body: the indexed columns are copies checked by `events verify`. */
export function toStoredEvent(row: EventRow): StoredEvent {
  return parseBody(row.body, row.hash);
}

/** Date.parse of the last `at` seen: the events of one append share their recorded-at time. */
let lastAt = "";
let lastAtMs = Number.NaN;

function recordedAtMs(at: string): number {
  if (at !== lastAt) {
    lastAtMs = Date.parse(at);
    lastAt = at;
  }
  return lastAtMs;
}

/** The events-table row of a freshly sealed event (every column derived from the envelope). */
export function toEventRow(event: StoredEvent): EventRow {
  return {
    position: event.gp,
    eventId: event.eid,
    streamId: event.sid,
    streamVersion: event.sv,
    eventType: event.type,
    schemaVersion: event.v,
    recordedAt: recordedAtMs(event.at),
    serverId: event.meta.node,
    body: event.body,
    hash: event.hash,
  };
}
