/**
 * The two extensions tls-alpn-01 looks at, read from a certificate's DER (RFC 5280 §4.1):
 * subjectAltName (§4.2.1.6) and acmeIdentifier (RFC 8737 §3). Node's X509Certificate does not
 * expose unknown extensions, hence this reader.
 */
import { childrenOf, contentOf, decodeOid, DerError, DerTag, expectTag, readTlv } from "./der.js";

export const OID_SUBJECT_ALT_NAME = "2.5.29.17";
/** id-pe-acmeIdentifier (RFC 8737 §6.1) */
export const OID_ACME_IDENTIFIER = "1.3.6.1.5.5.7.1.31";

export interface CertificateExtension {
  readonly oid: string;
  readonly critical: boolean;
  /** the contents of extnValue: the DER of the extension's own value */
  readonly value: Uint8Array;
}

export type GeneralName =
  | { readonly kind: "dNSName"; readonly value: string }
  | { readonly kind: "iPAddress"; readonly bytes: Uint8Array }
  | { readonly kind: "other"; readonly tag: number };

/** Throws `DerError` when the certificate is not well-formed DER. */
export function readExtensions(certificate: Uint8Array): CertificateExtension[] {
  const outer = expectTag(readTlv(certificate, 0), DerTag.SEQUENCE, "a Certificate SEQUENCE");
  const tbs = expectTag(childrenOf(certificate, outer)[0], DerTag.SEQUENCE, "a TBSCertificate SEQUENCE");
  const wrapper = childrenOf(certificate, tbs).find((field) => field.tag === DerTag.EXTENSIONS);
  if (wrapper === undefined) return [];
  const list = expectTag(childrenOf(certificate, wrapper)[0], DerTag.SEQUENCE, "an Extensions SEQUENCE");
  return childrenOf(certificate, list).map((extension) => {
    const fields = childrenOf(certificate, expectTag(extension, DerTag.SEQUENCE, "an Extension SEQUENCE"));
    const oid = decodeOid(contentOf(certificate, expectTag(fields[0], DerTag.OID, "an extnID")));
    // `critical BOOLEAN DEFAULT FALSE`: DER omits it when false.
    const criticalField = fields[1]?.tag === DerTag.BOOLEAN ? fields[1] : undefined;
    const critical = criticalField !== undefined && contentOf(certificate, criticalField).some((b) => b !== 0);
    const value = expectTag(fields[criticalField === undefined ? 1 : 2], DerTag.OCTET_STRING, "an extnValue");
    return { oid, critical, value: contentOf(certificate, value) };
  });
}

/** GeneralNames (RFC 5280 §4.2.1.6): dNSName is [2] IA5String, iPAddress is [7] OCTET STRING. */
export function readGeneralNames(value: Uint8Array): GeneralName[] {
  const names = expectTag(readTlv(value, 0), DerTag.SEQUENCE, "a GeneralNames SEQUENCE");
  if (names.end !== value.length) throw new DerError("trailing bytes after GeneralNames");
  return childrenOf(value, names).map((name): GeneralName => {
    if (name.tag === 0x82) return { kind: "dNSName", value: Buffer.from(contentOf(value, name)).toString("latin1") };
    if (name.tag === 0x87) return { kind: "iPAddress", bytes: contentOf(value, name) };
    return { kind: "other", tag: name.tag };
  });
}

/** The acmeIdentifier value: `Authorization ::= OCTET STRING (SIZE (32))` (RFC 8737 §3). */
export function readAcmeIdentifier(value: Uint8Array): Uint8Array {
  const digest = expectTag(readTlv(value, 0), DerTag.OCTET_STRING, "an OCTET STRING");
  if (digest.end !== value.length) throw new DerError("trailing bytes after the acmeIdentifier value");
  return contentOf(value, digest);
}
