/**
 * Three extensions mainstream ACME clients put into CSRs, accepted as harmless and NOT copied
 * into the certificate (the CA profile decides key usage and constraints, and computes its own
 * key identifier):
 *
 * - keyUsage: acme-client's `crypto.createCsr` always adds digitalSignature|keyEncipherment, and
 *   cert-manager encodes its `usages` into the request by default.
 * - basicConstraints with cA FALSE: cert-manager adds it (UseCertificateRequestBasicConstraints),
 *   and lacme always does (critical).
 * - subjectKeyIdentifier: lacme (Debian's ACME client) always adds it (`subjectKeyIdentifier =
 *   hash` in the openssl config of every CSR it makes). It only names the CSR's own public key
 *   (RFC 5280 §4.2.1.2), so it asks for nothing; refusing it left lacme unable to get any
 *   certificate.
 *
 * (certbot and lego send none.) What is harmless is only the end-entity form: a request for
 * keyCertSign, cRLSign or cA TRUE is a request for a CA certificate, which ACME never issues, so
 * it is refused rather than quietly ignored.
 */
import { elements, expectTag, readBoolean, readNamedBits, readWhole, Tag } from "./der.js";
import { CsrRefusal, notDer } from "./refusal.js";

/** KeyUsage bit numbers (RFC 5280 §4.2.1.3); bit 0 is the most significant bit of the first byte. */
const KEY_CERT_SIGN = 5;
const CRL_SIGN = 6;

export function checkKeyUsage(extensionValue: Uint8Array): void {
  const bits = readNamedBits(readWhole(extensionValue, "the keyUsage extension"), "the keyUsage extension");
  const isSet = (bit: number): boolean => (((bits[bit >> 3] ?? 0) >> (7 - (bit & 7))) & 1) === 1;
  if (isSet(KEY_CERT_SIGN) || isSet(CRL_SIGN)) {
    throw new CsrRefusal("The CSR's keyUsage asks for keyCertSign or cRLSign, which only a CA certificate may carry; ACME issues end-entity certificates.");
  }
}

/** SubjectKeyIdentifier ::= KeyIdentifier ::= OCTET STRING (RFC 5280 §4.2.1.2): well-formed, then ignored. */
export function checkSubjectKeyIdentifier(extensionValue: Uint8Array): void {
  const what = "the subjectKeyIdentifier extension";
  expectTag(readWhole(extensionValue, what), Tag.OCTET_STRING, what);
}

/** BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER OPTIONAL } */
export function checkBasicConstraints(extensionValue: Uint8Array): void {
  const what = "the basicConstraints extension";
  const fields = elements(expectTag(readWhole(extensionValue, what), Tag.SEQUENCE, what), what);
  const [first, ...rest] = fields;
  // An explicit cA FALSE is tolerated (DER would omit it), as Go's x509 parser does.
  const isCa = first?.tag === Tag.BOOLEAN ? readBoolean(first, "basicConstraints cA") : false;
  const afterCa = first?.tag === Tag.BOOLEAN ? rest : fields;
  if (isCa) throw new CsrRefusal("The CSR's basicConstraints asks for a CA certificate (cA TRUE); ACME issues end-entity certificates.");
  const [pathLen, ...extra] = afterCa;
  if (pathLen?.tag === Tag.INTEGER && extra.length === 0) {
    throw new CsrRefusal("The CSR's basicConstraints carries a pathLenConstraint, which only a CA certificate may have.");
  }
  if (pathLen) throw notDer(what, "holds fields other than cA and pathLenConstraint");
}
