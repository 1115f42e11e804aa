/**
 * Revocation propagation as a pure process (behaviour reference §2.4): the ACME revocation is
 * already in the log; this decides what to tell the certificate's authority next, from the
 * `revocation:<certificateId>` stream alone. The worker (src/acme/orders/revocation-work.ts)
 * does the I/O.
 *
 * Retry policy: an attempt that fails for a transient reason is retried after an exponential
 * back-off (`firstRetryMs`, doubling, capped at `maxRetryMs`) until `deadlineMs` after the
 * revocation (`acme.revocation-publish-deadline`, default 7 days); then the propagation is
 * abandoned and the operator must revoke at the CA by hand. A refusal that no retry can change
 * (the CA does not know the reason code, the serial is malformed) abandons at once.
 */
import {
  RevocationAbandoned,
  RevocationPublishFailed,
  RevocationPublished,
  RevocationPublishing,
  RevocationSkipped,
  type CerteasyEvent,
  type PendingEvent,
} from "../../../events/index.js";

export interface PublicationState {
  /** attempts recorded so far (each `publishing` event) */
  readonly attempts: number;
  /** when the last failure said to try again (ms), null before any failure */
  readonly nextAttemptAt: number | null;
  readonly lastError: string | null;
  readonly outcome: "published" | "skipped" | "abandoned" | null;
}

export const NOT_STARTED: PublicationState = { attempts: 0, nextAttemptAt: null, lastError: null, outcome: null };

export function evolvePublication(state: PublicationState, event: CerteasyEvent): PublicationState {
  switch (event.type) {
    case "acme.revocation.publishing":
      return { ...state, attempts: event.data.attempt, nextAttemptAt: null };
    case "acme.revocation.publish-failed":
      return { ...state, lastError: event.data.error, nextAttemptAt: event.data.nextAttemptAt === null ? null : Date.parse(event.data.nextAttemptAt) };
    case "acme.revocation.published":
      return { ...state, outcome: "published" };
    case "acme.revocation.skipped":
      return { ...state, outcome: "skipped" };
    case "acme.revocation.abandoned":
      return { ...state, outcome: "abandoned" };
    default:
      return state;
  }
}

export const foldPublication = (events: readonly CerteasyEvent[]): PublicationState => events.reduce(evolvePublication, NOT_STARTED);

export interface PublicationPolicy {
  readonly firstRetryMs: number;
  readonly maxRetryMs: number;
  /** from the revocation: no attempt starts after this */
  readonly deadlineMs: number;
}

export interface RevokedCertificate {
  readonly certificateId: string;
  readonly authority: string;
  readonly serial: string;
  /** when Certeasy revoked it (ms) */
  readonly revokedAt: number;
  /** why the authority is not told (`disable-ca-revocation`, no longer configured…), or null */
  readonly notPublishedBecause: string | null;
}

export type NextStep =
  /** the propagation has ended */
  | { readonly kind: "done" }
  /** a failed attempt asked for a pause */
  | { readonly kind: "wait"; readonly until: number }
  /** append these and stop: the propagation ends (skipped or abandoned) */
  | { readonly kind: "end"; readonly events: readonly PendingEvent[] }
  /** append `publishing` (before the call, DESIGN §2.9), then ask the authority */
  | { readonly kind: "attempt"; readonly attempt: number; readonly events: readonly PendingEvent[] };

export function nextStep(state: PublicationState, certificate: RevokedCertificate, policy: PublicationPolicy, now: number): NextStep {
  if (state.outcome !== null) return { kind: "done" };
  const { certificateId, authority } = certificate;
  if (certificate.notPublishedBecause !== null) {
    return { kind: "end", events: [RevocationSkipped.create({ certificateId, authority, reason: certificate.notPublishedBecause })] };
  }
  if (state.nextAttemptAt !== null && state.nextAttemptAt > now) return { kind: "wait", until: state.nextAttemptAt };
  // The first attempt always happens, even after a long outage: only retries have a deadline.
  if (state.attempts > 0 && now >= certificate.revokedAt + policy.deadlineMs) {
    return { kind: "end", events: [abandoned(certificate, state.attempts, deadlineReason(policy, state.lastError))] };
  }
  // An attempt recorded without an outcome (a crash during the call) is simply made again: a
  // CA revokes an already revoked serial without complaint (certutil, the embedded CA's CRL).
  const attempt = state.attempts + 1;
  return { kind: "attempt", attempt, events: [RevocationPublishing.create({ certificateId, authority, serial: certificate.serial, attempt })] };
}

export type AttemptResult =
  | { readonly kind: "published" }
  /** the CA could not be reached or failed this time */
  | { readonly kind: "unavailable"; readonly error: string }
  /** the CA refused in a way no retry changes */
  | { readonly kind: "refused"; readonly error: string }
  /** the authority has no way to revoke (Web Enrollment) */
  | { readonly kind: "unsupported"; readonly error: string };

/** The events that record one attempt's outcome. */
export function attemptOutcome(certificate: RevokedCertificate, attempt: number, result: AttemptResult, policy: PublicationPolicy, now: number): readonly PendingEvent[] {
  const { certificateId, authority } = certificate;
  switch (result.kind) {
    case "published":
      return [RevocationPublished.create({ certificateId, authority, attempt })];
    case "unsupported":
      return [RevocationSkipped.create({ certificateId, authority, reason: clip(result.error) })];
    case "refused":
      return [
        RevocationPublishFailed.create({ certificateId, authority, attempt, error: clip(result.error), nextAttemptAt: null }),
        abandoned(certificate, attempt, clip(`the certificate authority refused: ${result.error}`)),
      ];
    case "unavailable": {
      const next = now + retryDelayMs(attempt, policy);
      if (next >= certificate.revokedAt + policy.deadlineMs) {
        return [
          RevocationPublishFailed.create({ certificateId, authority, attempt, error: clip(result.error), nextAttemptAt: null }),
          abandoned(certificate, attempt, deadlineReason(policy, result.error)),
        ];
      }
      return [RevocationPublishFailed.create({ certificateId, authority, attempt, error: clip(result.error), nextAttemptAt: new Date(next).toISOString() })];
    }
  }
}

/** The pause after failed attempt `attempt` (1-based): first, 2×first, 4×first… up to the cap. */
export function retryDelayMs(attempt: number, policy: PublicationPolicy): number {
  return Math.min(policy.firstRetryMs * 2 ** Math.min(attempt - 1, 30), policy.maxRetryMs);
}

function abandoned(certificate: RevokedCertificate, attempts: number, reason: string): PendingEvent {
  return RevocationAbandoned.create({ certificateId: certificate.certificateId, authority: certificate.authority, attempts, reason });
}

function deadlineReason(policy: PublicationPolicy, lastError: string | null): string {
  const hours = Math.round(policy.deadlineMs / 3_600_000);
  return clip(`no attempt succeeded within ${hours} h of the revocation${lastError === null ? "" : `; last error: ${lastError}`}; revoke it at the CA by hand`);
}

const clip = (text: string): string => (text.length <= 1024 ? text : `${text.slice(0, 1023)}…`);
