/**
 * The object identifiers the CSR check acts on, and friendly names for the ones a refusal is
 * likely to mention, so that a `badCSR` detail says "challengePassword (1.2.840.113549.1.9.7)"
 * rather than a bare number.
 */
export const Oid = {
  // Public keys (RFC 3279, RFC 5480, RFC 8410).
  rsaEncryption: "1.2.840.113549.1.1.1",
  rsassaPss: "1.2.840.113549.1.1.10",
  ecPublicKey: "1.2.840.10045.2.1",
  ed25519: "1.3.101.112",
  // Named curves (RFC 5480 §2.1.1.1).
  p256: "1.2.840.10045.3.1.7",
  p384: "1.3.132.0.34",
  p521: "1.3.132.0.35",
  // Signature algorithms (RFC 4055, RFC 5758).
  sha256WithRsa: "1.2.840.113549.1.1.11",
  sha384WithRsa: "1.2.840.113549.1.1.12",
  sha512WithRsa: "1.2.840.113549.1.1.13",
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
  ecdsaWithSha384: "1.2.840.10045.4.3.3",
  ecdsaWithSha512: "1.2.840.10045.4.3.4",
  // Subject attribute, CSR attribute, extensions, key purposes.
  commonName: "2.5.4.3",
  extensionRequest: "1.2.840.113549.1.9.14",
  subjectAltName: "2.5.29.17",
  extKeyUsage: "2.5.29.37",
  keyUsage: "2.5.29.15",
  basicConstraints: "2.5.29.19",
  subjectKeyIdentifier: "2.5.29.14",
  serverAuth: "1.3.6.1.5.5.7.3.1",
  anyExtendedKeyUsage: "2.5.29.37.0",
  upn: "1.3.6.1.4.1.311.20.2.3",
} as const;

const NAMES: Readonly<Record<string, string>> = {
  // Keys and signature algorithms that are refused by name.
  "1.2.840.10040.4.1": "DSA",
  "1.3.101.110": "X25519",
  "1.3.101.111": "X448",
  "1.3.101.113": "Ed448",
  "1.2.840.113549.1.1.4": "md5WithRSAEncryption",
  "1.2.840.113549.1.1.5": "sha1WithRSAEncryption",
  "1.2.840.113549.1.1.14": "sha224WithRSAEncryption",
  "1.2.840.10045.4.1": "ecdsa-with-SHA1",
  "1.2.840.10045.4.3.1": "ecdsa-with-SHA224",
  "1.3.132.0.10": "secp256k1",
  "1.3.36.3.3.2.8.1.1.7": "brainpoolP256r1",
  // Subject attributes (RFC 5280 §4.1.2.4, RFC 4519).
  "2.5.4.3": "CN",
  "2.5.4.4": "surname",
  "2.5.4.5": "serialNumber",
  "2.5.4.6": "C",
  "2.5.4.7": "L",
  "2.5.4.8": "ST",
  "2.5.4.9": "street",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
  "2.5.4.12": "title",
  "2.5.4.17": "postalCode",
  "2.5.4.42": "givenName",
  "2.5.4.97": "organizationIdentifier",
  "0.9.2342.19200300.100.1.1": "UID",
  "0.9.2342.19200300.100.1.25": "DC",
  "1.2.840.113549.1.9.1": "emailAddress",
  // CSR attributes (RFC 2985, Microsoft enrollment).
  "1.2.840.113549.1.9.2": "unstructuredName",
  "1.2.840.113549.1.9.7": "challengePassword",
  "1.2.840.113549.1.9.14": "extensionRequest",
  "1.3.6.1.4.1.311.2.1.14": "Microsoft extension request",
  "1.3.6.1.4.1.311.13.2.1": "Microsoft enrollment name-value pair (can carry a SAN for ADCS, ESC6)",
  "1.3.6.1.4.1.311.13.2.2": "Microsoft enrollment CSP",
  "1.3.6.1.4.1.311.13.2.3": "Microsoft OS version",
  "1.3.6.1.4.1.311.21.20": "Microsoft request client info",
  // Extensions (RFC 5280 §4.2 and common private ones).
  "2.5.29.9": "subjectDirectoryAttributes",
  "2.5.29.14": "subjectKeyIdentifier",
  "2.5.29.15": "keyUsage",
  "2.5.29.17": "subjectAltName",
  "2.5.29.18": "issuerAltName",
  "2.5.29.19": "basicConstraints",
  "2.5.29.30": "nameConstraints",
  "2.5.29.31": "cRLDistributionPoints",
  "2.5.29.32": "certificatePolicies",
  "2.5.29.35": "authorityKeyIdentifier",
  "2.5.29.37": "extKeyUsage",
  "1.3.6.1.5.5.7.1.1": "authorityInfoAccess",
  "1.3.6.1.5.5.7.1.24": "TLS Feature (OCSP Must-Staple, RFC 7633)",
  "1.2.840.113549.1.9.15": "S/MIME capabilities",
  "2.16.840.1.113730.1.1": "Netscape certificate type",
  "1.3.6.1.4.1.11129.2.4.3": "certificate transparency poison",
  "1.3.6.1.4.1.311.20.2": "Microsoft certificate template name",
  "1.3.6.1.4.1.311.21.7": "Microsoft certificate template",
  "1.3.6.1.4.1.311.21.10": "Microsoft application policies",
  "1.3.6.1.4.1.311.25.2": "Microsoft NTDS CA security (SID)",
  // Key purposes (RFC 5280 §4.2.1.12).
  "1.3.6.1.5.5.7.3.1": "serverAuth",
  "1.3.6.1.5.5.7.3.2": "clientAuth",
  "1.3.6.1.5.5.7.3.3": "codeSigning",
  "1.3.6.1.5.5.7.3.4": "emailProtection",
  "1.3.6.1.5.5.7.3.8": "timeStamping",
  "1.3.6.1.5.5.7.3.9": "OCSPSigning",
  "2.5.29.37.0": "anyExtendedKeyUsage",
  "1.3.6.1.4.1.311.20.2.2": "Microsoft smart card logon",
  "1.3.6.1.4.1.311.20.2.1": "Microsoft certificate request agent",
  "1.3.6.1.5.2.3.5": "Kerberos KDC",
};

/** "name (dotted)" when the OID has a friendly name, else the dotted form alone. */
export function describeOid(oid: string): string {
  const name = NAMES[oid];
  return name === undefined ? oid : `${name} (${oid})`;
}
