/** Encoders for the RFC 5280 extensions Certeasy writes (each returns one complete Extension). */
import { TRUE, bitString, enumerated, explicit, ia5Octets, implicitPrimitive, integer, octetString, sequence } from "../der/encode.js";
import { ENCODED_OID } from "./oids.js";

/** RFC 5280 §4.1: Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING } */
export function extension(encodedOid: Uint8Array, critical: boolean, value: Uint8Array): Buffer {
  // DER omits a BOOLEAN equal to its DEFAULT (X.690 §11.5), so non-critical has no field at all.
  return critical ? sequence(encodedOid, TRUE, octetString(value)) : sequence(encodedOid, octetString(value));
}

/** RFC 5280 §4.2.1.3 named bits. */
export const KeyUsageBit = {
  digitalSignature: 0,
  keyEncipherment: 2,
  keyCertSign: 5,
  cRLSign: 6,
} as const;

/** keyUsage, always critical for Certeasy (RFC 5280 §4.2.1.3 "SHOULD mark this extension critical"). */
export function keyUsage(bits: readonly number[]): Buffer {
  const highest = Math.max(...bits);
  const bytes = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (const bit of bits) bytes[bit >> 3] = (bytes[bit >> 3] ?? 0) | (0x80 >> (bit & 7));
  // DER named bit lists drop trailing zero bits (X.690 §11.2.2); the unused count says how many.
  const unused = 7 - (highest & 7);
  return extension(ENCODED_OID.keyUsage, true, bitString(bytes, unused));
}

/** RFC 5280 §4.2.1.9: end-entity certificates say cA FALSE by omitting it (an empty SEQUENCE). */
export const endEntityBasicConstraints = (): Buffer => extension(ENCODED_OID.basicConstraints, true, sequence());

export const extendedKeyUsage = (encodedOids: readonly Uint8Array[]): Buffer =>
  extension(ENCODED_OID.extKeyUsage, false, sequence(...encodedOids));

/** RFC 5280 §4.2.1.2 */
export const subjectKeyIdentifier = (keyId: Uint8Array): Buffer =>
  extension(ENCODED_OID.subjectKeyIdentifier, false, octetString(keyId));

/** RFC 5280 §4.2.1.1: keyIdentifier [0] only, the issuer's SKI. */
export const authorityKeyIdentifier = (keyId: Uint8Array): Buffer =>
  extension(ENCODED_OID.authorityKeyIdentifier, false, sequence(implicitPrimitive(0, keyId)));

/** A GeneralName (RFC 5280 §4.2.1.6) the way Certeasy puts it in a SAN. */
export type GeneralName =
  | { readonly type: "dns"; readonly value: string }
  | { readonly type: "ip"; readonly bytes: Uint8Array };

export function generalName(name: GeneralName): Buffer {
  return name.type === "dns" ? implicitPrimitive(2, ia5Octets(name.value)) : implicitPrimitive(7, name.bytes);
}

/**
 * RFC 5280 §4.2.1.6: "If the subject field contains an empty sequence, then the issuing CA MUST
 * include a subjectAltName extension that is marked as critical."
 */
export const subjectAltName = (names: readonly GeneralName[], critical: boolean): Buffer =>
  extension(ENCODED_OID.subjectAltName, critical, sequence(...names.map(generalName)));

/**
 * distributionPoint [0] { fullName [0] IMPLICIT GeneralNames { uniformResourceIdentifier [6]… } }:
 * the same bytes, for one URL, in a certificate's CRL distribution point and a CRL's issuing
 * distribution point.
 */
const distributionPointName = (urls: readonly string[]): Buffer => explicit(0, explicit(0, ...urls.map((url) => implicitPrimitive(6, ia5Octets(url)))));

/** RFC 5280 §4.2.1.13: one DistributionPoint whose fullName is the CRL's URI. */
export const crlDistributionPoints = (url: string): Buffer =>
  extension(ENCODED_OID.crlDistributionPoints, false, sequence(sequence(distributionPointName([url]))));

/**
 * RFC 5280 §5.2.5: the CRL covers only the certificates whose distribution point is one of
 * `urls` (the same CRL served under each URL certificates were given for it), and only
 * end-entity ones (onlyContainsUserCerts [1] TRUE) — the issuing CA has pathLen 0. Critical, as
 * §5.2.5 requires: a relying party that cannot check the scope must not take the CRL for a
 * complete one. §6.3.3 (b)(2)(i): it accepts the CRL for a certificate only if one of the names
 * here matches one in the certificate's distribution point.
 */
export function issuingDistributionPoint(urls: readonly string[]): Buffer {
  if (urls.length === 0) throw new RangeError("an issuing distribution point needs at least one URL");
  return extension(ENCODED_OID.issuingDistributionPoint, true, sequence(distributionPointName(urls), implicitPrimitive(1, Buffer.from([0xff]))));
}

/** RFC 5280 §4.2.2.1: caIssuers, where a client can fetch the issuing CA's certificate. */
export function authorityInfoAccessCaIssuers(url: string): Buffer {
  const uri = implicitPrimitive(6, ia5Octets(url));
  return extension(ENCODED_OID.authorityInfoAccess, false, sequence(sequence(ENCODED_OID.caIssuers, uri)));
}

/** RFC 5280 §5.2.3 */
export const crlNumber = (value: bigint): Buffer => extension(ENCODED_OID.crlNumber, false, integer(value));

/** RFC 5280 §5.3.1 */
export const crlReason = (code: number): Buffer => extension(ENCODED_OID.crlReason, false, enumerated(code));
