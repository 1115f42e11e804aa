/**
 * The stored event an event line carries (line.ts), checked before anyone relies on it: its
 * canonical JSON must hash to the line's `event_hash`, and what the line says about the event
 * (position, type, stream, time, node) must be what the event says. `audit verify` runs this on
 * every line; `events recover` takes only events that pass it. Pure.
 */
import { canonicalJson, eventHash, parseBody, type Envelope, type StoredEvent } from "../../events/index.js";
import type { EventLine } from "./line.js";

export type LineEvent =
  | { readonly ok: true; readonly event: StoredEvent }
  /** written by a build before `events recover`: the line has no body to give back */
  | { readonly ok: false; readonly kind: "no-body"; readonly reason: string }
  | { readonly ok: false; readonly kind: "bad-body"; readonly reason: string };

/** What the line claims about its event and what the event itself says differ: a sentence, or null. */
export function claimMismatch(line: EventLine, event: Envelope, where: string): string | null {
  const claims: readonly [string, unknown, unknown][] = [
    ["position", event.gp, line.position],
    ["event type", event.type, line.event_type],
    ["stream", event.sid, line.stream_id],
    ["recorded time", event.at, line.at],
    ["appending node", event.meta?.node, line.server_id],
  ];
  for (const [what, inEvent, inLine] of claims) {
    if (inEvent !== inLine) {
      return `line ${line.seq}: ${what} is ${JSON.stringify(inLine)} in the file but ${JSON.stringify(inEvent)} in ${where}`;
    }
  }
  return null;
}

export function lineEvent(line: EventLine): LineEvent {
  const n = line.seq;
  if (line.event === undefined) {
    return { ok: false, kind: "no-body", reason: `line ${n} (position ${line.position}) was written before audit lines carried the event` };
  }
  let body: string;
  try {
    body = canonicalJson(line.event);
  } catch {
    return { ok: false, kind: "bad-body", reason: `line ${n}: the event it carries is not canonical JSON` };
  }
  const hash = eventHash(body);
  if (hash !== line.event_hash) {
    return { ok: false, kind: "bad-body", reason: `line ${n}: the event it carries does not hash to its event_hash (position ${line.position})` };
  }
  let event: StoredEvent;
  try {
    event = parseBody(body, hash);
  } catch (error) {
    return { ok: false, kind: "bad-body", reason: `line ${n}: the event it carries is not an event envelope (${(error as Error).message})` };
  }
  const mismatch = claimMismatch(line, event, "the event it carries");
  return mismatch ? { ok: false, kind: "bad-body", reason: mismatch } : { ok: true, event };
}
