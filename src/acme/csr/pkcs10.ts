/**
 * The outer shape of a PKCS#10 request (RFC 2986 §4):
 *
 *   CertificationRequest ::= SEQUENCE { certificationRequestInfo, signatureAlgorithm, signature BIT STRING }
 *   CertificationRequestInfo ::= SEQUENCE { version INTEGER { v1(0) }, subject Name,
 *                                           subjectPKInfo SubjectPublicKeyInfo, attributes [0] Attributes }
 *
 * This module only splits the request into its parts; each part is checked by its own module.
 */
import { content, elements, encoded, expectTag, readOctetAlignedBits, readOid, readWhole, Tag, type DerNode } from "./der.js";
import { CsrRefusal, notDer } from "./refusal.js";

export interface Pkcs10Parts {
  /** The exact bytes the signature covers. */
  readonly signedInfo: Uint8Array;
  readonly subject: DerNode;
  readonly subjectPublicKeyInfo: DerNode;
  /** The `[0]` attributes node. */
  readonly attributes: DerNode;
  readonly signatureAlgorithm: AlgorithmIdentifier;
  readonly signature: Uint8Array;
}

export interface AlgorithmIdentifier {
  readonly oid: string;
  /** null when the parameters are absent. */
  readonly parameters: DerNode | null;
}

const ATTRIBUTES_TAG = 0xa0;

/**
 * RFC 2986 §4.1 defines v1(0) alone. 2 is tolerated: the Ruby acme-client gem's
 * CertificateRequest (2.0.9 in Debian bookworm, what GitLab's Let's Encrypt integration
 * finalizes with) sets `csr.version = 2`, a certificate's v3 number, and Let's Encrypt, which the gem
 * is written against, takes it. The version is never copied into the certificate.
 */
const ACCEPTED_VERSIONS: ReadonlySet<number> = new Set([0, 2]);

export function splitPkcs10(der: Uint8Array): Pkcs10Parts {
  const request = expectTag(readWhole(der, "the certification request"), Tag.SEQUENCE, "the certification request");
  const [info, signatureAlgorithm, signature, ...extra] = elements(request, "the certification request");
  if (!info || !signatureAlgorithm || !signature || extra.length > 0) {
    throw notDer("the certification request", "must hold exactly the request info, the signature algorithm and the signature");
  }
  const [version, subject, spki, attributes, ...rest] = elements(expectTag(info, Tag.SEQUENCE, "the request info"), "the request info");
  if (!version || !subject || !spki || !attributes || rest.length > 0) {
    throw notDer("the request info", "must hold exactly a version, a subject, a public key and the [0] attributes");
  }
  const versionBytes = content(expectTag(version, Tag.INTEGER, "the version"));
  if (versionBytes.length !== 1 || !ACCEPTED_VERSIONS.has(versionBytes[0] ?? -1)) {
    throw new CsrRefusal("The CSR version must be 0 (v1), the only version RFC 2986 §4.1 defines.");
  }
  return {
    signedInfo: encoded(info),
    subject: expectTag(subject, Tag.SEQUENCE, "the subject"),
    subjectPublicKeyInfo: expectTag(spki, Tag.SEQUENCE, "the subject public key info"),
    attributes: expectTag(attributes, ATTRIBUTES_TAG, "the attributes ([0])"),
    signatureAlgorithm: readAlgorithmIdentifier(signatureAlgorithm, "the signature algorithm"),
    signature: readOctetAlignedBits(signature, "the signature"),
  };
}

/** AlgorithmIdentifier ::= SEQUENCE { algorithm OBJECT IDENTIFIER, parameters ANY OPTIONAL } */
export function readAlgorithmIdentifier(node: DerNode, what: string): AlgorithmIdentifier {
  const [oid, parameters, ...extra] = elements(expectTag(node, Tag.SEQUENCE, what), what);
  if (!oid || extra.length > 0) throw notDer(what, "must hold an algorithm and at most one parameters value");
  return { oid: readOid(oid, what), parameters: parameters ?? null };
}
