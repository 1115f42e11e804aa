/**
 * What the order handlers ask of the order decider. Every lookup the decider cannot do itself
 * (reusable authorizations, the certificate an order replaces, the checked CSR) and every random
 * value (ids, tokens) arrives in the command, so the decider stays pure and table-testable.
 */
import type { RecordedProblem } from "../../../events/index.js";
import type { IssuancePolicy } from "../policy/index.js";
import type { Identifier } from "./identifiers.js";
import type { CertificateFacts } from "./state.js";

/** Fresh random values the decider may use; the handler passes UUIDv7/random-token generators. */
export interface Randomness {
  readonly newId: () => string;
  readonly newToken: () => string;
}

/** The certificate named by newOrder's `replaces` (RFC 9773 §5), as the handler found it. */
export interface ReplacedCertificate {
  readonly certificateId: string;
  readonly accountId: string;
  readonly identifiers: readonly Identifier[];
  /** another order already replaces it and has not failed */
  readonly alreadyReplaced: boolean;
}

/** RFC 8555 §7.4: newOrder. `request` is the payload as received; the decider checks it. */
export interface CreateOrder {
  readonly kind: "create";
  readonly orderId: string;
  readonly accountId: string;
  readonly now: Date;
  readonly request: {
    readonly identifiers: unknown;
    readonly notBefore?: string | undefined;
    readonly notAfter?: string | undefined;
    readonly profile?: string | undefined;
  };
  /** RFC 9773 §5; null when the request has no `replaces` */
  readonly replaces: ReplacedCertificate | null;
  /** valid, unexpired authorizations of this account, by `authorizationKey` (RFC 8555 §7.1.3 reuse) */
  readonly reusable: ReadonlyMap<string, string>;
  readonly random: Randomness;
}

/** RFC 8555 §7.5.1: POST to a challenge URL. */
export interface RespondToChallenge {
  readonly kind: "respond";
  readonly authzId: string;
  readonly challengeId: string;
  /** token + "." + thumbprint of the account key now (§8.1) */
  readonly thumbprint: string;
}

/** The validator's verdict on a `processing` challenge. */
export interface RecordValidation {
  readonly kind: "record-validation";
  readonly authzId: string;
  readonly challengeId: string;
  readonly now: Date;
  readonly outcome: { readonly status: "valid"; readonly address: string | null } | { readonly status: "invalid"; readonly error: RecordedProblem; readonly address: string | null };
}

/** RFC 8555 §7.5.2. */
export interface DeactivateAuthorization {
  readonly kind: "deactivate-authorization";
  readonly authzId: string;
}

/** RFC 8555 §7.4 finalize, after the CSR passed its checks (src/acme/csr). */
export interface FinalizeOrder {
  readonly kind: "finalize";
  readonly now: Date;
  readonly csr: string;
  readonly authority: string;
  /** the other authorities that accept this CSR, for failover */
  readonly fallbacks: readonly string[];
  /** from the checked CSR: base64url DER SubjectPublicKeyInfo, its sha256, EKUs beyond serverAuth */
  readonly publicKey: string;
  readonly spkiSha256: string;
  readonly extraEkus: readonly string[];
  /** statuses of the reused authorizations (their rows), checked again at finalization */
  readonly reusedAuthorizationsValid: boolean;
  /**
   * The names whose CAA records, checked again because their result was older than
   * CAA_RESULT_LIFETIME_MS, now forbid this CA to issue (RFC 8659 §3): the order becomes invalid.
   */
  readonly caaRefusals: readonly CaaRefusal[];
  /**
   * The certificate an in-process authority (the embedded CA) issued for this request already:
   * finalizing, issued and valid are then one append — nothing outside the process can hold the
   * request, so there is no submission to record first (DESIGN §2 invariant 9).
   */
  readonly issued?: CertificateFacts;
}

/** A name CAA forbids this CA to issue for, and the reason the check gave. */
export interface CaaRefusal {
  /** without the "*." of a wildcard */
  readonly identifier: Identifier;
  readonly wildcard: boolean;
  readonly detail: string;
}

/** The order's authority could not be reached: move the request to its next fallback. */
export interface FailOver {
  readonly kind: "fail-over";
  readonly reason: string;
}

/** The issuer is about to submit the request to the order's authority (recorded first). */
export interface RecordSubmitting {
  readonly kind: "record-submitting";
}

export interface RecordPendingAtAuthority {
  readonly kind: "record-pending";
  readonly requestId: string;
  readonly now: Date;
}

export interface RecordIssued {
  readonly kind: "record-issued";
  readonly certificate: CertificateFacts;
}

export interface RecordIssuanceFailed {
  readonly kind: "record-issuance-failed";
  readonly error: RecordedProblem;
}

/** RFC 8555 §7.6, after the handler established who may revoke. */
export interface RevokeCertificate {
  readonly kind: "revoke";
  readonly reason: number;
  readonly authorisedBy: "issuing-account" | "authorized-account" | "certificate-key";
  readonly accountId: string | null;
}

export type OrderCommand =
  | RespondToChallenge
  | RecordValidation
  | DeactivateAuthorization
  | FinalizeOrder
  | FailOver
  | RecordSubmitting
  | RecordPendingAtAuthority
  | RecordIssued
  | RecordIssuanceFailed
  | RevokeCertificate;

/** Server policy the decider applies, from the configuration. */
export interface OrderPolicy {
  /** a new order's `expires` (RFC 8555 §7.1.3) */
  readonly orderLifetimeMs: number;
  /** a pending authorization's `expires` */
  readonly authorizationLifetimeMs: number;
  /** how long a valid authorization may be reused; 0 disables reuse */
  readonly validAuthorizationLifetimeMs: number;
  /** the longest certificate the CA issues: bounds a requested notBefore/notAfter */
  readonly certificateLifetimeMs: number;
  /** `issuance-policies`, in declaration order: the first that allows every identifier is pinned */
  readonly issuancePolicies: readonly IssuancePolicy[];
}

/** Reuse key of an authorization: its identifier and whether it is for a wildcard. */
export const authorizationKey = (identifier: Identifier, wildcard: boolean): string =>
  `${identifier.type}:${wildcard ? "*." : ""}${identifier.value}`;
