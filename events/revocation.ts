/**
 * Revocation propagation (behaviour reference §2.4): after `acme.certificate.revoked` the
 * certificate's authority is told, asynchronously, and each outcome is an event. Stream
 * `revocation:<certificateId>` — a process of its own beside the order, so retries and their
 * back-off never contend with the order's stream. An attempt is recorded before the CA is
 * called (DESIGN §2.9): after a crash the log shows that a call may have reached the CA.
 *
 * A propagation ends with exactly one of `published`, `skipped` or `abandoned`.
 */
import { z } from "zod";
import { defineEvent } from "./define.js";

export const revocationStreamId = (certificateId: string): string => `revocation:${certificateId}`;

const isoTime = z.iso.datetime({ offset: false });
const authority = z.string().min(1).max(64);

/** The authority is about to be asked to revoke; `attempt` counts from 1. */
export const RevocationPublishing = defineEvent(
  "acme.revocation.publishing",
  z.strictObject({ certificateId: z.uuid(), authority, serial: z.string().regex(/^[0-9a-f]+$/).max(64), attempt: z.number().int().positive() }),
);

/** The authority revoked the certificate (ADCS: `certutil -revoke`; the embedded CA: CRL regenerated). */
export const RevocationPublished = defineEvent(
  "acme.revocation.published",
  z.strictObject({ certificateId: z.uuid(), authority, attempt: z.number().int().positive() }),
);

/**
 * The revocation stays in Certeasy only: the authority has `disable-ca-revocation`, cannot
 * revoke (Web Enrollment), or is no longer configured. `reason` says which, for the operator.
 */
export const RevocationSkipped = defineEvent(
  "acme.revocation.skipped",
  z.strictObject({ certificateId: z.uuid(), authority, reason: z.string().min(1).max(1024) }),
);

/** One attempt failed; `nextAttemptAt` is null when no attempt follows (see `abandoned`). */
export const RevocationPublishFailed = defineEvent(
  "acme.revocation.publish-failed",
  z.strictObject({
    certificateId: z.uuid(),
    authority,
    attempt: z.number().int().positive(),
    error: z.string().max(1024),
    nextAttemptAt: isoTime.nullable(),
  }),
);

/** Propagation given up (deadline passed, or the CA refused for good): the CA must be told by hand. */
export const RevocationAbandoned = defineEvent(
  "acme.revocation.abandoned",
  z.strictObject({ certificateId: z.uuid(), authority, attempts: z.number().int().nonnegative(), reason: z.string().min(1).max(1024) }),
);

export const revocationEvents = [RevocationPublishing, RevocationPublished, RevocationSkipped, RevocationPublishFailed, RevocationAbandoned] as const;
