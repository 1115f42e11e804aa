/**
 * The writer lease's rules, shared by every dialect (DESIGN §2 invariant 8). Pure: the dialects
 * read the row under the head-row lock, ask these functions, and write what they answer.
 *
 * Fencing is by epoch, not by time. An expired lease that nobody has taken is still its
 * holder's: no other node can append without first acquiring it, and acquiring bumps the
 * epoch, which every later append of the old holder then fails to match.
 */
import type { LeaseAcquisition, LeaseClaim, LeaseRequest, LeaseRow } from "./dialect.js";
import { LeaseLostError } from "./errors.js";

export function decideLeaseAcquisition(current: LeaseRow | null, request: LeaseRequest): LeaseAcquisition {
  const now = Math.floor(request.now.getTime());
  const heldByOther = current !== null && current.holderServerId !== request.serverId && current.expiresAt > now;
  if (heldByOther && !request.force) return { ok: false, holder: current };
  return {
    ok: true,
    previous: current,
    lease: {
      holderServerId: request.serverId,
      holderHostname: request.hostname,
      epoch: (current?.epoch ?? 0) + 1,
      acquiredAt: now,
      renewedAt: now,
      expiresAt: now + request.ttlMs,
    },
  };
}

/** Whether a lease row still names the claim: what renewals, releases and appends require. */
export function leaseMatches(current: LeaseRow | null, claim: LeaseClaim): boolean {
  return current !== null && current.holderServerId === claim.serverId && current.epoch === claim.epoch;
}

/**
 * The fencing check an append makes under the head-row lock; throws (so the transaction rolls
 * back) when the lease has moved on. A null epoch is an unfenced append (tests of the log).
 */
export function assertLeaseHeld(current: LeaseRow | null, serverId: string, leaseEpoch: number | null): void {
  if (leaseEpoch === null) return;
  const claim = { serverId, epoch: leaseEpoch };
  if (!leaseMatches(current, claim)) throw new LeaseLostError(claim, current);
}

/**
 * The epoch the importing node's lease must move to: past every epoch recorded in the events it
 * imported. A database restored from a backup has a lease row from then, while the events put
 * back were written under later tenures; without this the next acquisitions would hand out those
 * epochs again and the log would show two tenures under one epoch.
 */
export function epochAfterImport(held: number, maxImportedEpoch: number): number {
  return Math.max(held, maxImportedEpoch + 1);
}
