/**
 * PKCS#10 certification requests (RFC 2986) for the finalize step (RFC 8555 §7.4), encoded with
 * Certeasy's own small DER encoder. One P-256 certificate key per virtual client is reused for
 * every order it places (a client renewing many names would rotate keys; signing one CSR is all the
 * work a fresh key would add to the server, so reuse changes nothing on the side being measured).
 *
 *   CertificationRequest ::= SEQUENCE { certificationRequestInfo, signatureAlgorithm, signature BIT STRING }
 *   CertificationRequestInfo ::= SEQUENCE { version INTEGER (0), subject Name,
 *     subjectPKInfo SubjectPublicKeyInfo, attributes [0] IMPLICIT SET OF Attribute }
 */
import { generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { bitString, explicit, ia5Octets, implicitPrimitive, integer, objectIdentifier, octetString, sequence, set, utf8String } from "../../../src/ca/der/encode.js";

const OID = {
  commonName: "2.5.4.3",
  extensionRequest: "1.2.840.113549.1.9.14",
  subjectAltName: "2.5.29.17",
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
} as const;

/** RFC 5280 §4.2.1.6: GeneralName dNSName is [2] IMPLICIT IA5String. */
const DNS_NAME_TAG = 2;

export interface CertificateKey {
  /** the DER CSR naming `dnsName` in its subject CN and its only subjectAltName */
  csrFor(dnsName: string): Buffer;
}

export function generateCertificateKey(): CertificateKey {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const spki = publicKey.export({ type: "spki", format: "der" });
  return { csrFor: (dnsName) => certificationRequest(privateKey, spki, dnsName) };
}

function certificationRequest(privateKey: KeyObject, spki: Buffer, dnsName: string): Buffer {
  const subject = sequence(set(sequence(objectIdentifier(OID.commonName), utf8String(dnsName))));
  const subjectAltName = sequence(objectIdentifier(OID.subjectAltName), octetString(sequence(implicitPrimitive(DNS_NAME_TAG, ia5Octets(dnsName)))));
  const extensionRequest = sequence(objectIdentifier(OID.extensionRequest), set(sequence(subjectAltName)));
  const info = sequence(integer(0), subject, spki, explicit(0, extensionRequest));
  // RFC 5758 §3.2: ecdsa-with-SHA256 has no parameters; the signature is the DER ECDSA-Sig-Value.
  return sequence(info, sequence(objectIdentifier(OID.ecdsaWithSha256)), bitString(sign("sha256", info, privateKey)));
}
