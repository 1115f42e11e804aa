/**
 * The validator's public vocabulary: what the validation queue hands in (a challenge and its key
 * authorization, RFC 8555 §8.1) and what comes back (an outcome carrying an RFC 8555 §6.7 error
 * type and a client-safe detail).
 */

export type ChallengeType = "http-01" | "dns-01" | "tls-alpn-01";

export interface ChallengeToValidate {
  readonly type: ChallengeType;
  /**
   * Canonical identifier: a `dns` value is lower-case and never a wildcard (the caller strips
   * `*.` and only sends dns-01 for wildcards); an `ip` value is canonical text (RFC 8738 §3).
   */
  readonly identifier: { readonly type: "dns" | "ip"; readonly value: string };
  /** the authorization is for "*.<identifier>" (RFC 8555 §7.1.4): CAA then reads issuewild (RFC 8659 §4.3) */
  readonly wildcard: boolean;
  /**
   * The URLs of the account that answered the challenge, one per `server.url`: the CAA check
   * (when `acme.caa-identities` is set) matches an RFC 8657 `accounturi` against them.
   */
  readonly accountUris: readonly string[];
  /** base64url, 43 characters (RFC 8555 §8.3, §8.4) */
  readonly token: string;
  /** token + "." + base64url(JWK thumbprint) (RFC 8555 §8.1) */
  readonly keyAuthorization: string;
  /**
   * The DNS validation profile the order's issuance policy names (reference §3.4
   * `dns-validation-profile`); absent or unknown: chosen by zone suffix.
   */
  readonly profile?: string | null;
}

/** The RFC 8555 §6.7 error types a validation can end with. */
export type ValidationProblemType =
  | "caa"
  | "connection"
  | "dns"
  | "incorrectResponse"
  | "tls"
  | "unauthorized"
  | "rejectedIdentifier"
  | "serverInternal";

export interface ValidationProblem {
  readonly type: ValidationProblemType;
  /** one sentence naming what was tried; safe to show to the ACME client */
  readonly detail: string;
}

export type ValidationOutcome =
  | { readonly status: "valid"; readonly address: string | null /* the IP that answered, for the audit */ }
  | { readonly status: "invalid"; readonly problem: ValidationProblem; readonly address: string | null };

/** Never throws, never outlives the profile's timeout or the signal. */
export type Validator = (challenge: ChallengeToValidate, signal?: AbortSignal) => Promise<ValidationOutcome>;
