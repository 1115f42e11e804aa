/**
 * The revocation propagation queue as a projection of the log (DESIGN §3 "work is a projection
 * too"): a certificate revoked in Certeasy whose `revocation:<certificateId>` stream has not
 * ended (published, skipped or abandoned) is pending work. Hydrated at boot, so a node that
 * stopped mid-propagation resumes it; it holds only the unfinished ones.
 */
import type { StoredEvent } from "../../events/index.js";
import type { MemoryProjection } from "../memory/memory-projection.js";

/** certificate id → when it was revoked (ms) */
export type PendingRevocations = ReadonlyMap<string, number>;

const ENDINGS: ReadonlySet<string> = new Set(["acme.revocation.published", "acme.revocation.skipped", "acme.revocation.abandoned"]);

function certificateIdOf(event: StoredEvent): string {
  const data = event.data as { readonly certificateId?: unknown };
  if (typeof data.certificateId !== "string") throw new TypeError(`${event.type} at ${event.gp} has no certificateId`);
  return data.certificateId;
}

export const pendingRevocationsProjection: MemoryProjection<PendingRevocations> = {
  name: "pending-revocations",
  initial: new Map(),
  evolve(state, event) {
    if (event.type === "acme.certificate.revoked") {
      const next = new Map(state);
      next.set(certificateIdOf(event), Date.parse(event.at));
      return next;
    }
    if (ENDINGS.has(event.type)) {
      const id = certificateIdOf(event);
      if (!state.has(id)) return state;
      const next = new Map(state);
      next.delete(id);
      return next;
    }
    return state;
  },
};
