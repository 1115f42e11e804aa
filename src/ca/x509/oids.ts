/** The object identifiers Certeasy writes into certificates and CRLs, encoded once. */
import { objectIdentifier } from "../der/encode.js";

export const OID = {
  // RFC 5280 §4.2.1 certificate extensions
  subjectKeyIdentifier: "2.5.29.14",
  keyUsage: "2.5.29.15",
  subjectAltName: "2.5.29.17",
  basicConstraints: "2.5.29.19",
  crlDistributionPoints: "2.5.29.31",
  authorityKeyIdentifier: "2.5.29.35",
  extKeyUsage: "2.5.29.37",
  authorityInfoAccess: "1.3.6.1.5.5.7.1.1",
  // RFC 5280 §5.2 / §5.3 CRL and CRL entry extensions
  crlNumber: "2.5.29.20",
  crlReason: "2.5.29.21",
  issuingDistributionPoint: "2.5.29.28",
  // RFC 5280 §4.2.1.12, §4.2.2.1
  serverAuth: "1.3.6.1.5.5.7.3.1",
  caIssuers: "1.3.6.1.5.5.7.48.2",
  // RFC 5758 §3.2, RFC 3279 §2.3.1
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
  rsaEncryption: "1.2.840.113549.1.1.1",
} as const;

export type KnownOid = keyof typeof OID;

export const ENCODED_OID: { readonly [K in KnownOid]: Buffer } = Object.fromEntries(
  Object.entries(OID).map(([name, dotted]) => [name, objectIdentifier(dotted)]),
) as { [K in KnownOid]: Buffer };
