/**
 * The vocabulary of the CAA check (RFC 8659, RFC 8657): what is asked, the record set that
 * answers it, and the verdict.
 */
import type { CaaRecord } from "../dns/lookup.js";

export interface CaaRequest {
  /** the DNS name the search starts from: the identifier, without the "*." of a wildcard */
  readonly name: string;
  /** the certificate is for "*.<name>": `issuewild` applies (RFC 8659 §4.3) */
  readonly wildcard: boolean;
  /**
   * The URLs of the account asking (one per configured `server.url`, each the `Location` a
   * newAccount answered with): an RFC 8657 §3 `accounturi` must be one of them.
   */
  readonly accountUris: readonly string[];
  /** the ACME challenge type that validated the name, which an RFC 8657 §4 `validationmethods` must list */
  readonly challengeType: string;
}

/** RFC 8659 §3: the CAA RRset found climbing from the name, and the name it was found at. */
export interface RelevantRrset {
  readonly owner: string;
  readonly records: readonly CaaRecord[];
}

/** `reason` names the records and says what would let this CA issue. */
export type CaaVerdict = { readonly permitted: true } | { readonly permitted: false; readonly reason: string };

export type CaaOutcome =
  | { readonly kind: "permitted" }
  | { readonly kind: "refused"; readonly detail: string }
  /** the relevant RRset could not be established (SERVFAIL, timeout…): no verdict, try again later */
  | { readonly kind: "unavailable"; readonly detail: string };
