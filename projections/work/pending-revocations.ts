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

/**
 * Updated in place, like the rate-limit ledger: copying the map on every revocation and every
 * published one made each event cost the whole backlog, quadratic while a slow CA lets the
 * backlog grow. `initial` is never written to — the first revocation starts a fresh map — so
 * each fold owns its own. Bounded by the revocations not yet propagated: each leaves on its
 * published, skipped or abandoned event, the last at the latest once `revocation-publish-deadline`
 * has passed (acme.revocationPublishDeadlineMs).
 */
const initial: PendingRevocations = new Map();

export const pendingRevocationsProjection: MemoryProjection<PendingRevocations> = {
  name: "pending-revocations",
  initial,
  evolve(state, event) {
    if (event.type === "acme.certificate.revoked") {
      const pending = state === initial ? new Map<string, number>() : mutable(state);
      pending.set(certificateIdOf(event), Date.parse(event.at));
      return pending;
    }
    if (ENDINGS.has(event.type) && state !== initial) mutable(state).delete(certificateIdOf(event));
    return state;
  },
};

/** Every state but `initial` is a map this fold created (above). */
const mutable = (state: PendingRevocations): Map<string, number> => state as Map<string, number>;
