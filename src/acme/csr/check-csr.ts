/**
 * Finalize's CSR check (RFC 8555 §7.4, RFC 2986, RFC 8738; behaviour reference §2.3): decides,
 * without I/O, whether a CSR may be issued for an order. Every refusal is one sentence saying what
 * was wrong, for a `badCSR` problem; nothing here throws, whatever bytes arrive.
 *
 * Order of checks: structure (strict DER), public key, signature (so a tampered CSR is reported
 * as such, not by whatever field was changed), account-key reuse, then content.
 */
import { createHash } from "node:crypto";
import { readRequestedExtensions } from "./attributes.js";
import { NO_EXTENSIONS, readExtensions } from "./extensions.js";
import { requireSameIdentifiers, sortIdentifiers, type CsrIdentifier } from "./identifiers.js";
import { splitPkcs10 } from "./pkcs10.js";
import { DEFAULT_CSR_POLICY, type CsrPolicy } from "./policy.js";
import { readPublicKey, type CsrKeyType } from "./public-key.js";
import { CsrRefusal } from "./refusal.js";
import { checkSignature } from "./signature.js";
import { commonNameIdentifiers, readCommonName, requireCommonNameAmong } from "./subject.js";

export interface CheckedCsr {
  /** The CSR as received. */
  readonly der: Uint8Array;
  /** DER SubjectPublicKeyInfo, to be put into the certificate as is. */
  readonly publicKeySpki: Uint8Array;
  readonly keyType: CsrKeyType;
  /**
   * The names the certificate is for, canonical and sorted like the order's identifiers: the
   * subjectAltName entries, or the CN's one DNS name when the CSR requests no subjectAltName.
   */
  readonly identifiers: readonly CsrIdentifier[];
  /** Where the names were read: a CA that issues the CSR as sent needs them in a subjectAltName. */
  readonly namesFrom: "subjectAltName" | "commonName";
  /** The canonical subject CN (one of the identifiers), or null for an empty subject. */
  readonly commonName: string | null;
  /** Extended key usages requested besides serverAuth, all allowed by the policy. */
  readonly extraEkus: readonly string[];
  /** Hex SHA-256 of publicKeySpki. */
  readonly spkiSha256: string;
}

export type CsrCheck = { readonly ok: true; readonly csr: CheckedCsr } | { readonly ok: false; readonly detail: string };

/** Far above a CSR with 100 long names and an 8192-bit key; bounds the work one request causes. */
export const MAX_CSR_BYTES = 64 * 1024;

const UNREADABLE = "The CSR could not be read as a PKCS#10 certification request (RFC 2986).";

/**
 * @param expected the order's canonical identifiers
 * @param accountKeySpkiSha256 hex SHA-256 of the account key's DER SPKI: a CSR for the account key
 *   itself is refused (RFC 8555 §11.1)
 */
export function checkCsr(der: Uint8Array, expected: readonly CsrIdentifier[], accountKeySpkiSha256: string, policy: CsrPolicy = DEFAULT_CSR_POLICY): CsrCheck {
  try {
    return { ok: true, csr: check(der, expected, accountKeySpkiSha256, policy) };
  } catch (error) {
    return { ok: false, detail: error instanceof CsrRefusal ? error.detail : UNREADABLE };
  }
}

function check(der: Uint8Array, expected: readonly CsrIdentifier[], accountKeySpkiSha256: string, policy: CsrPolicy): CheckedCsr {
  if (!(der instanceof Uint8Array)) throw new CsrRefusal("The CSR must be given as DER bytes.");
  if (der.length === 0) throw new CsrRefusal("The CSR is empty.");
  if (der.length > MAX_CSR_BYTES) throw new CsrRefusal(`The CSR is ${der.length} bytes long; at most ${MAX_CSR_BYTES} are accepted.`);
  const parts = splitPkcs10(der);
  const key = readPublicKey(parts.subjectPublicKeyInfo, policy);
  checkSignature(parts.signatureAlgorithm, parts.signature, parts.signedInfo, key, policy);
  const spkiSha256 = createHash("sha256").update(key.spki).digest("hex");
  if (spkiSha256 === String(accountKeySpkiSha256).toLowerCase()) {
    throw new CsrRefusal("The CSR uses the account key; a certificate key must differ from the ACME account key (RFC 8555 §11.1).");
  }
  const commonName = readCommonName(parts.subject);
  const requested = readRequestedExtensions(parts.attributes);
  const { identifiers: inSubjectAltName, extraEkus } = requested ? readExtensions(requested, policy) : NO_EXTENSIONS;
  const identifiers = inSubjectAltName ?? commonNameIdentifiers(commonName);
  requireSameIdentifiers(identifiers, expected);
  return {
    // Copies (Buffer#slice would be a view): the caller may reuse its buffer.
    der: new Uint8Array(der),
    publicKeySpki: new Uint8Array(key.spki),
    keyType: key.keyType,
    identifiers: sortIdentifiers(identifiers),
    namesFrom: inSubjectAltName ? "subjectAltName" : "commonName",
    commonName: requireCommonNameAmong(commonName, identifiers),
    extraEkus,
    spkiSha256,
  };
}
