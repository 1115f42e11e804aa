/**
 * The dialect-neutral heart of an import: events sealed elsewhere (an audit file, another log)
 * put into this log with their envelopes unchanged — a copy, not new appends. Run by each
 * dialect under the head-row lock: every event must continue the log exactly (the next
 * position, `prev` equal to the head's hash, the next version of its stream; DESIGN §2
 * invariants 3–5), and its body must still hash to its hash. Pure.
 */
import { eventHash, type StoredEvent } from "../../events/index.js";
import type { LogHead } from "./dialect.js";

export class EventImportRefused extends Error {
  override readonly name = "EventImportRefused";
}

export interface ImportedStream {
  readonly version: number;
  /** absent from the database before this import: the dialect inserts it */
  readonly created: boolean;
  /** epoch ms of the stream's first imported event (its creation, when `created`) */
  readonly createdAt: number;
  /** epoch ms of the stream's last imported event */
  readonly updatedAt: number;
}

export interface ImportPlan {
  readonly events: readonly StoredEvent[];
  readonly streams: ReadonlyMap<string, ImportedStream>;
  readonly head: LogHead;
  /** the highest writer-lease epoch among the events' meta, 0 when none carries one */
  readonly maxEpoch: number;
}

export function planImport(head: LogHead, currentVersions: ReadonlyMap<string, number>, events: readonly StoredEvent[]): ImportPlan {
  const streams = new Map<string, ImportedStream>();
  let maxEpoch = 0;
  let at = head;
  for (const event of events) {
    if (event.gp !== at.position + 1) {
      throw new EventImportRefused(`event at position ${event.gp} does not follow the log head at position ${at.position}`);
    }
    if (event.prev !== at.hash) throw new EventImportRefused(`event at position ${event.gp} does not link to the hash of position ${at.position}`);
    if (eventHash(event.body) !== event.hash) throw new EventImportRefused(`event at position ${event.gp}: its body does not hash to its hash`);
    const recordedAt = Date.parse(event.at);
    const stream = streams.get(event.sid);
    const version = stream?.version ?? currentVersions.get(event.sid) ?? 0;
    if (event.sv !== version + 1) {
      throw new EventImportRefused(`event at position ${event.gp} has version ${event.sv} of stream ${event.sid}, which is at version ${version}`);
    }
    streams.set(event.sid, {
      version: event.sv,
      created: stream?.created ?? !currentVersions.has(event.sid),
      createdAt: stream?.createdAt ?? recordedAt,
      updatedAt: recordedAt,
    });
    maxEpoch = Math.max(maxEpoch, event.meta.epoch ?? 0);
    at = { position: event.gp, hash: event.hash };
  }
  return { events, streams, head: at, maxEpoch };
}
