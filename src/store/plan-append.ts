/**
 * The dialect-neutral heart of an append, run by each dialect while it holds the head-row
 * lock: check each command's expected stream version, give the accepted events consecutive
 * positions, build and hash their envelopes in order (DESIGN §2 invariants 3–5). Pure apart
 * from the clock and id generator passed in.
 */
import { canonicalJson, sealEnvelope, type StoredEvent } from "../../events/index.js";
import type { AppendCommand, AppendContext, AppendOutcome, LogHead } from "./dialect.js";
import { uuidv7 } from "./uuid.js";

export interface AppendPlan {
  readonly outcomes: readonly AppendOutcome[];
  /** every accepted event, in position order */
  readonly events: readonly StoredEvent[];
  /** new version of each stream that received events, and whether the stream is new */
  readonly streams: ReadonlyMap<string, { readonly version: number; readonly created: boolean }>;
  readonly head: LogHead;
}

/** `<type>:<id>` → `<type>`: the aggregate a stream belongs to. */
export function streamType(streamId: string): string {
  const i = streamId.indexOf(":");
  return i > 0 ? streamId.slice(0, i) : streamId;
}

export function planAppend(
  head: LogHead,
  currentVersions: ReadonlyMap<string, number>,
  commands: readonly AppendCommand[],
  writer: Pick<AppendContext, "serverId" | "leaseEpoch">,
  now: Date,
): AppendPlan {
  const at = new Date(Math.floor(now.getTime())).toISOString();
  const versions = new Map(currentVersions);
  const streams = new Map<string, { version: number; created: boolean }>();
  const events: StoredEvent[] = [];
  const outcomes: AppendOutcome[] = [];
  let position = head.position;
  let prev = head.hash;

  for (const command of commands) {
    const actual = versions.get(command.streamId) ?? 0;
    if (command.expectedVersion !== "any" && command.expectedVersion !== actual) {
      outcomes.push({
        ok: false,
        conflict: { kind: "stream-version-conflict", streamId: command.streamId, expected: command.expectedVersion, actual },
      });
      continue;
    }
    const sealed: StoredEvent[] = [];
    // The epoch sits in the hashed meta: which tenure of the lease wrote an event is part of
    // the record, not only a column that could be rewritten.
    const meta = { ...command.meta, node: writer.serverId, ...(writer.leaseEpoch === null ? {} : { epoch: writer.leaseEpoch }) };
    const metaJson = canonicalJson(meta); // the same for every event of the command
    let version = actual;
    for (const pending of command.events) {
      position += 1;
      version += 1;
      const event = sealEnvelope({
        at,
        data: pending.data,
        eid: uuidv7(now.getTime()),
        gp: position,
        meta,
        prev,
        sid: command.streamId,
        sv: version,
        type: pending.type,
        v: pending.v,
      }, metaJson);
      prev = event.hash;
      sealed.push(event);
    }
    if (sealed.length > 0) {
      // "created" means absent from the database before this batch: the dialect inserts it.
      streams.set(command.streamId, { version, created: !currentVersions.has(command.streamId) });
      versions.set(command.streamId, version);
    }
    events.push(...sealed);
    outcomes.push({ ok: true, events: sealed });
  }
  return { outcomes, events, streams, head: { position, hash: prev } };
}
