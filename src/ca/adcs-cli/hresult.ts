/**
 * HRESULTs that certreq/certutil print (adcs.md §1.2, §2.2), turned into a sentence a client or an
 * operator can act on. The numbers are the stable part of ADCS output: the text around them is
 * localised, so classification keys on the code, never on the words.
 *
 * `denial`: the CA looked at this request and refused it (final: the order becomes invalid).
 * `unavailable`: the CA or the path to it failed; the same request may succeed later.
 */
export type HresultKind = "denial" | "unavailable";

export interface KnownHresult {
  readonly symbol: string;
  readonly kind: HresultKind;
  /** a lower-case clause, completed by the caller into a sentence */
  readonly reason: string;
}

const KNOWN: ReadonlyMap<number, KnownHresult> = new Map<number, KnownHresult>([
  // CERTSRV_E_* (winerror.h, facility 0x9 "security", 0x4xxx: certificate services)
  [0x80094001, { symbol: "CERTSRV_E_BAD_REQUESTSUBJECT", kind: "denial", reason: "the subject name in the request is invalid or too long" }],
  [0x80094002, { symbol: "CERTSRV_E_NO_REQUEST", kind: "denial", reason: "the CA has no such request" }],
  [
    0x80094003,
    {
      symbol: "CERTSRV_E_BAD_REQUESTSTATUS",
      kind: "denial",
      reason:
        "the CA's policy module denied the request (a template pinned to one key family, e.g. CNG/ECDSA, refuses the other with this code)",
    },
  ],
  [0x80094004, { symbol: "CERTSRV_E_PROPERTY_EMPTY", kind: "denial", reason: "the CA has no such request (the requested property is empty)" }],
  [0x80094006, { symbol: "CERTSRV_E_SERVER_SUSPENDED", kind: "unavailable", reason: "the CA is suspended for a database restore" }],
  [0x80094008, { symbol: "CERTSRV_E_ROLECONFLICT", kind: "denial", reason: "the service account holds several CA roles while the CA enforces role separation" }],
  [0x80094009, { symbol: "CERTSRV_E_RESTRICTEDOFFICER", kind: "denial", reason: "officer restrictions do not let the service account manage this certificate" }],
  [0x8009400f, { symbol: "CERTSRV_E_NO_DB_SESSIONS", kind: "unavailable", reason: "the CA has no free database sessions" }],
  [0x80094011, { symbol: "CERTSRV_E_ENROLL_DENIED", kind: "denial", reason: "the CA's permissions do not let the service account enroll" }],
  [0x80094012, { symbol: "CERTSRV_E_TEMPLATE_DENIED", kind: "denial", reason: "the certificate template's permissions do not give the service account Enroll" }],
  [0x80094014, { symbol: "CERTSRV_E_ADMIN_DENIED_REQUEST", kind: "denial", reason: "a certificate manager or CA administrator denied the request" }],
  [
    0x80094800,
    {
      symbol: "CERTSRV_E_UNSUPPORTED_CERT_TYPE",
      kind: "denial",
      reason: "the CA does not issue this certificate template (not published, wrong name, or its permissions are unreadable to the CA)",
    },
  ],
  [0x80094801, { symbol: "CERTSRV_E_NO_CERT_TYPE", kind: "denial", reason: "the request names no certificate template" }],
  [0x80094802, { symbol: "CERTSRV_E_TEMPLATE_CONFLICT", kind: "denial", reason: "the request names conflicting certificate templates" }],
  [0x80094803, { symbol: "CERTSRV_E_SUBJECT_ALT_NAME_REQUIRED", kind: "denial", reason: "the template requires a subject alternative name the request lacks" }],
  [0x80094806, { symbol: "CERTSRV_E_BAD_RENEWAL_SUBJECT", kind: "denial", reason: "the renewal request's subject does not match the certificate it renews" }],
  [0x80094808, { symbol: "CERTSRV_E_TEMPLATE_POLICY_REQUIRED", kind: "denial", reason: "the template requires a signature policy the request lacks" }],
  [0x80094809, { symbol: "CERTSRV_E_SIGNATURE_POLICY_REQUIRED", kind: "denial", reason: "the template requires an issuance policy in the signing certificate" }],
  [0x8009480a, { symbol: "CERTSRV_E_SIGNATURE_COUNT", kind: "denial", reason: "the template requires more registration-authority signatures than the request has" }],
  [0x8009480f, { symbol: "CERTSRV_E_SUBJECT_DNS_REQUIRED", kind: "denial", reason: "the template builds a DNS name from Active Directory and none is available" }],
  [0x80094811, { symbol: "CERTSRV_E_KEY_LENGTH", kind: "denial", reason: "the public key is shorter than the certificate template's minimum" }],
  [0x80094812, { symbol: "CERTSRV_E_SUBJECT_EMAIL_REQUIRED", kind: "denial", reason: "the template requires an e-mail name that is not available" }],
  // Win32 errors as HRESULTs (0x8007xxxx) and security-package errors (0x8009xxxx)
  [0x80070005, { symbol: "E_ACCESSDENIED", kind: "denial", reason: "the CA refused access to the service account" }],
  [0x800705b4, { symbol: "ERROR_TIMEOUT", kind: "unavailable", reason: "the operation timed out" }],
  [0x8007051f, { symbol: "ERROR_NO_LOGON_SERVERS", kind: "unavailable", reason: "no domain controller is reachable to authenticate the service account" }],
  [0x800706ba, { symbol: "RPC_S_SERVER_UNAVAILABLE", kind: "unavailable", reason: "the CA's RPC server is unavailable (host down, name wrong, or ports 135 and the dynamic range blocked)" }],
  [0x800706be, { symbol: "RPC_S_CALL_FAILED", kind: "unavailable", reason: "the RPC call to the CA failed" }],
  [0x800706bf, { symbol: "RPC_S_CALL_FAILED_DNE", kind: "unavailable", reason: "the RPC call to the CA failed and did not execute" }],
  [0x800706d9, { symbol: "EPT_S_NOT_REGISTERED", kind: "unavailable", reason: "the CA host's endpoint mapper knows no certificate service (is CertSvc running?)" }],
  [0x8007071a, { symbol: "RPC_S_CALL_CANCELLED", kind: "unavailable", reason: "the RPC call to the CA was cancelled" }],
  [0x8007274c, { symbol: "WSAETIMEDOUT", kind: "unavailable", reason: "the connection to the CA timed out" }],
  [0x8007274d, { symbol: "WSAECONNREFUSED", kind: "unavailable", reason: "the CA host refused the connection" }],
  [0x80072ee2, { symbol: "ERROR_WINHTTP_TIMEOUT", kind: "unavailable", reason: "the HTTPS request to the enrollment web service timed out" }],
  [0x80072efd, { symbol: "ERROR_WINHTTP_CANNOT_CONNECT", kind: "unavailable", reason: "the enrollment web service could not be reached" }],
  [0x80090311, { symbol: "SEC_E_NO_AUTHENTICATING_AUTHORITY", kind: "unavailable", reason: "no authority could be contacted to authenticate the service account" }],
]);

export interface FoundHresult {
  readonly code: number;
  /** `0x80094811` */
  readonly hex: string;
  /** the symbolic name, from the table or from the tool's own `(… NAME)` annotation */
  readonly symbol: string | undefined;
  readonly known: KnownHresult | undefined;
}

/**
 * Failure codes (severity bit set) in the order they appear. certreq and certutil print
 * `0x80094811 (-2146875375 CERTSRV_E_KEY_LENGTH)` or `0x800706ba (WIN32: 1722 RPC_S_SERVER_UNAVAILABLE)`;
 * the annotation names codes our table does not know.
 */
export function findFailureHresults(text: string): FoundHresult[] {
  const found: FoundHresult[] = [];
  const seen = new Set<number>();
  for (const match of text.matchAll(/0x([0-9a-fA-F]{8})\b(?:\s*\((?:WIN32:\s*)?-?\d+\s+([A-Z][A-Z0-9_]+)\))?/g)) {
    const code = Number.parseInt(match[1] ?? "0", 16);
    if (code < 0x80000000 || seen.has(code)) continue;
    seen.add(code);
    const known = KNOWN.get(code);
    found.push({ code, hex: hexOf(code), symbol: known?.symbol ?? match[2], known });
  }
  return found;
}

export function describeHresult(code: number): FoundHresult {
  const known = KNOWN.get(code);
  return { code, hex: hexOf(code), symbol: known?.symbol, known };
}

/** "the public key is shorter than … (CERTSRV_E_KEY_LENGTH, 0x80094811)"; unknown codes as "error 0x80091234". */
export function explainHresult(found: FoundHresult): string {
  if (found.known !== undefined) return `${found.known.reason} (${found.known.symbol}, ${found.hex})`;
  return found.symbol === undefined ? `error ${found.hex}` : `error ${found.hex} (${found.symbol})`;
}

const hexOf = (code: number): string => `0x${code.toString(16).padStart(8, "0")}`;
