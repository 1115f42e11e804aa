/**
 * Why a decider refused a command, as a value (deciders do not throw for client mistakes). The
 * names are RFC 8555 §6.7 error types, so the HTTP layer turns a DomainError into its one
 * AcmeProblem type by choosing the status code; nothing below it knows about HTTP.
 */

/** The RFC 8555 §6.7 error types a decider can answer with (a subset of the HTTP layer's list). */
export type DomainErrorType =
  | "accountDoesNotExist"
  | "alreadyReplaced"
  | "alreadyRevoked"
  | "badCSR"
  | "badRevocationReason"
  /** a DNS lookup the decision needs failed (finalization's CAA re-check): nothing changed, try again */
  | "dns"
  | "invalidProfile"
  | "orderNotReady"
  | "rateLimited"
  | "externalAccountRequired"
  | "invalidContact"
  | "malformed"
  | "rejectedIdentifier"
  | "unsupportedIdentifier"
  | "unauthorized"
  | "unsupportedContact"
  | "userActionRequired";

export interface DomainError {
  readonly type: DomainErrorType;
  /** a sentence for the client: says what was wrong and what is accepted, no internal detail */
  readonly detail: string;
  /**
   * Set when the command collides with another account — a key rollover to a key that account
   * already holds: RFC 8555 §7.3.5 answers 409 Conflict with that account's URL in `Location`.
   */
  readonly conflictingAccountId?: string;
  /** `rateLimited`: when the client may try again (RFC 8555 §6.6 Retry-After) */
  readonly retryAfterSeconds?: number;
  /** RFC 8555 §6.7.1: one entry per identifier that failed, when a request names several */
  readonly subproblems?: readonly DomainSubproblem[];
}

export interface DomainSubproblem {
  readonly type: DomainErrorType;
  readonly detail: string;
  readonly identifier: { readonly type: string; readonly value: string };
}

export const domainError = (type: DomainErrorType, detail: string): DomainError => ({ type, detail });
