/**
 * Does an event line agree with the database? Pure. The line's `event_hash` must be the row's
 * stored hash, the row's body must still hash to it (a body edited in the database shows here),
 * and what the line says about the event must be what the body says.
 */
import { eventHash, type Envelope } from "../../events/index.js";
import type { EventRow } from "../store/dialect.js";
import type { EventLine } from "./line.js";
import { claimMismatch } from "./line-event.js";

/** Returns what disagrees, as a sentence for the operator, or null. */
export function lineDisagreesWithRow(line: EventLine, row: EventRow, serverId: string): string | null {
  const n = line.seq;
  const p = line.position;
  if (row.serverId !== serverId) return `line ${n}: the database says position ${p} was appended by server ${row.serverId}, not ${serverId}`;
  if (row.hash !== line.event_hash) return `line ${n}: event_hash differs from the database's hash of position ${p}`;
  if (eventHash(row.body) !== row.hash) {
    return `line ${n}: the database body at position ${p} no longer hashes to its stored hash (the row was altered)`;
  }
  let body: Envelope;
  try {
    body = JSON.parse(row.body) as Envelope;
  } catch {
    return `line ${n}: the database body at position ${p} is not JSON`;
  }
  return claimMismatch(line, body, `the database body at position ${p}`);
}
