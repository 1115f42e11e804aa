/**
 * A stored log built from pending events for projection tests: one event a millisecond from
 * `startMs`, gap-free positions and a valid hash chain, as the writer would have sealed them.
 */
import { GENESIS_HASH, sealEnvelope, type PendingEvent, type StoredEvent } from "../../events/index.js";

export function chainedLog(events: readonly { readonly sid: string; readonly event: PendingEvent }[], startMs: number): StoredEvent[] {
  const out: StoredEvent[] = [];
  events.forEach(({ sid, event }, i) => {
    out.push(
      sealEnvelope({
        at: new Date(startMs + i).toISOString(), data: event.data, eid: `e${i}`, gp: i + 1, meta: { node: "n" },
        prev: out[i - 1]?.hash ?? GENESIS_HASH, sid, sv: i + 1, type: event.type, v: event.v,
      }),
    );
  });
  return out;
}
