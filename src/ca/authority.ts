/**
 * The contract every CA backend fulfils: the embedded CA (`type: local`) today, the ADCS
 * connectors later. The ACME layer finalizes an order (RFC 8555 §7.4) by submitting one
 * `IssuanceRequest`; a backend answers at once (`issued` / `denied`) or later (`pending`, then
 * `poll`). Idempotency across restarts is the caller's job (the request key is recorded as an
 * event before `submit`, DESIGN §2.9); backends only guarantee it within one process.
 */

export type IdentifierType = "dns" | "ip";

export interface IssuanceIdentifier {
  readonly type: IdentifierType;
  /** a DNS name (possibly `*.`-prefixed) or an IP address in text form */
  readonly value: string;
}

export interface IssuanceRequest {
  /** idempotency key (the ACME order id): submitting twice with one key must not issue twice */
  readonly requestKey: string;
  /** the CSR as the client sent it (ADCS needs it); already checked */
  readonly csrDer: Uint8Array;
  /** DER SubjectPublicKeyInfo from the checked CSR */
  readonly publicKeySpki: Uint8Array;
  /** the SANs to put in the certificate */
  readonly identifiers: readonly IssuanceIdentifier[];
  /** requested by the client (RFC 8555 §7.1.3, §7.4), when the CA allows */
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  /** extended key usage OIDs besides serverAuth */
  readonly extraEkus: readonly string[];
}

export interface IssuedCertificate {
  /** the leaf certificate */
  readonly certificateDer: Uint8Array;
  /**
   * Leaf first, then the issuing CA(s), PEM, "\n" separated, ending with "\n": the body of
   * `application/pem-certificate-chain` (RFC 8555 §7.4.2).
   */
  readonly chainPem: string;
  /** lower-case hex of the serial's DER content octets (no leading zeros beyond DER's) */
  readonly serialHex: string;
  /** authority key identifier, lower-case hex (RFC 9773 certID, revocation lookups) */
  readonly akiHex: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

export type SubmitOutcome =
  | { readonly kind: "issued"; readonly certificate: IssuedCertificate }
  /** waiting for a CA manager's approval (ADCS); poll later with this id */
  | { readonly kind: "pending"; readonly requestId: string }
  /** final; `reason` is a client-safe sentence */
  | { readonly kind: "denied"; readonly reason: string };

export interface AuthorityHealth {
  readonly healthy: boolean;
  readonly detail: string;
}

export interface CertificateAuthority {
  /** the authority's configured name (`authorities[].name`) */
  readonly name: string;
  submit(request: IssuanceRequest): Promise<SubmitOutcome>;
  /**
   * true: `submit` issues inside this process (the embedded CA), so a submission a crash cut short
   * left nothing behind outside it and may simply run again. Otherwise the CA may hold a request
   * the log never heard of, and it is not submitted a second time (issuance-work.ts).
   */
  readonly submitsInProcess?: boolean;
  /**
   * true: the backend writes the order's identifiers into the certificate's subjectAltName itself
   * (the embedded CA). Otherwise the CA issues the names the CSR requests (ADCS), and a CSR that
   * names its one DNS name only in the CN would give a certificate without a subjectAltName.
   */
  readonly writesSubjectAltName?: boolean;
  poll(requestId: string): Promise<SubmitOutcome>;
  /**
   * RFC 5280 §5.3.1 reason code; revoking an already revoked serial is not an error. `notAfter`,
   * the certificate's, lets a CA that publishes its own CRL drop the entry once the certificate
   * has expired (RFC 5280 §3.3); backends that keep no list ignore it.
   */
  revoke(serialHex: string, reasonCode: number, revokedAt: Date, notAfter?: Date): Promise<void>;
  health(): Promise<AuthorityHealth>;
}

/**
 * A transient failure (timeout, CA unreachable, disk full): the caller retries later. Any other
 * throw from a backend is a bug.
 */
export class AuthorityUnavailableError extends Error {
  override readonly name = "AuthorityUnavailableError";
}

/**
 * A submission whose answer was lost after it may have reached the CA (the call timed out, or
 * was killed, once the request was on its way). Submitting again could leave two requests at
 * the CA — two certificates for one order (DESIGN §2 invariant 9) — so the caller gives the
 * request up instead of retrying it or failing over.
 */
export class SubmissionInDoubtError extends Error {
  override readonly name = "SubmissionInDoubtError";
}

/**
 * Thrown by `revoke` on an authority that has no way to revoke (ADCS Web Enrollment, adcs.md
 * §6): the revocation stands in Certeasy, propagation records it as skipped with this message,
 * which tells the operator what to do at the CA. Not a failure to retry.
 */
export class RevocationUnsupportedError extends Error {
  override readonly name = "RevocationUnsupportedError";
}
