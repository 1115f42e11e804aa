/**
 * Turns the leaf certreq wrote, plus the CA certificates it (or certutil) handed back, into an
 * `IssuedCertificate`: the chain ordered leaf first, each next certificate the issuer of the one
 * before, the self-signed root dropped (RFC 8555 §7.4.2; adcs.md §1.4, §7.4 — clients bring
 * their own trust anchor). Serial and AKI come from the leaf's own DER, so they are exactly the
 * octets revocation and RFC 9773 certIDs need, leading sign octet included.
 */
import { X509Certificate, createHash } from "node:crypto";
import type { IssuedCertificate } from "../authority.js";
import { toPem } from "../der/pem.js";
import { type DerElement, childrenOf, contentOf, decodeObjectIdentifier, readWhole } from "../der/read.js";

const SEQUENCE = 0x30;
const INTEGER = 0x02;
const OCTET_STRING = 0x04;
const BIT_STRING = 0x03;
const OBJECT_IDENTIFIER = 0x06;
const BOOLEAN = 0x01;
const EXPLICIT_0 = 0xa0;
const EXPLICIT_3 = 0xa3;
const KEY_IDENTIFIER = 0x80;
const AUTHORITY_KEY_IDENTIFIER = "2.5.29.35";
const SUBJECT_KEY_IDENTIFIER = "2.5.29.14";

export interface IssuedCertificateWithChain {
  readonly certificate: IssuedCertificate;
  /** false when no given certificate issued the leaf: the chain is the leaf alone */
  readonly issuerFound: boolean;
}

/**
 * Undefined when `leafDer` is not a certificate. `caCertificates` may hold anything certreq put in
 * the bundle (the leaf again, the root, unrelated certificates): only the issuer path is kept.
 */
export function issuedCertificate(leafDer: Uint8Array, caCertificates: readonly Uint8Array[]): IssuedCertificateWithChain | undefined {
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(leafDer);
  } catch {
    return undefined;
  }
  const candidates = caCertificates.flatMap((der) => {
    try {
      return [new X509Certificate(der)];
    } catch {
      return [];
    }
  });
  const { path: chain, issuerFound } = issuerPath(leaf, candidates);
  const akiHex = authorityKeyIdHex(leafDer) ?? (chain[0] ? subjectKeyIdHex(chain[0]) : undefined);
  const serial = serialHex(leafDer);
  if (akiHex === undefined || serial === undefined) return undefined;
  const certificate: IssuedCertificate = {
    certificateDer: new Uint8Array(leafDer),
    chainPem: [leaf, ...chain].map((member) => toPem(new Uint8Array(member.raw), "CERTIFICATE")).join(""),
    serialHex: serial,
    akiHex,
    notBefore: new Date(leaf.validFrom),
    notAfter: new Date(leaf.validTo),
  };
  return { certificate, issuerFound };
}

/** The issuers above `leaf`, nearest first, without the self-signed root. */
function issuerPath(leaf: X509Certificate, candidates: readonly X509Certificate[]): { path: X509Certificate[]; issuerFound: boolean } {
  const path: X509Certificate[] = [];
  const used = new Set<string>([leaf.fingerprint256]);
  for (let current = leaf; ; ) {
    const issuer = candidates.find(
      (candidate) => !used.has(candidate.fingerprint256) && current.checkIssued(candidate) && current.verify(candidate.publicKey),
    );
    // A leaf signed straight by a root (a lab's Enterprise Root CA) has found its issuer too.
    if (issuer === undefined || isSelfSigned(issuer)) return { path, issuerFound: issuer !== undefined || path.length > 0 };
    path.push(issuer);
    used.add(issuer.fingerprint256);
    current = issuer;
  }
}

const isSelfSigned = (certificate: X509Certificate): boolean =>
  certificate.checkIssued(certificate) && certificate.verify(certificate.publicKey);

/** Certificate → TBSCertificate's elements (RFC 5280 §4.1). */
function tbsElements(der: Uint8Array): DerElement[] {
  const [tbs] = childrenOf(der, readWhole(der, SEQUENCE));
  if (tbs === undefined) return [];
  return childrenOf(der, tbs);
}

/** The serial INTEGER's content octets as hex: `IssuedCertificate.serialHex`'s form. */
function serialHex(der: Uint8Array): string | undefined {
  try {
    const elements = tbsElements(der);
    const serial = elements[0]?.tag === EXPLICIT_0 ? elements[1] : elements[0];
    if (serial?.tag !== INTEGER || serial.end === serial.contentStart) return undefined;
    return Buffer.from(contentOf(der, serial)).toString("hex");
  } catch {
    return undefined;
  }
}

/** extnValue of the extension `oid`, or undefined (RFC 5280 §4.1.2.9: extensions are [3]). */
function extensionValue(der: Uint8Array, oid: string): { value: DerElement } | undefined {
  const extensions = tbsElements(der).find((element) => element.tag === EXPLICIT_3);
  if (extensions === undefined) return undefined;
  const [sequence] = childrenOf(der, extensions);
  if (sequence === undefined) return undefined;
  for (const extension of childrenOf(der, sequence)) {
    const [id, second, third] = childrenOf(der, extension);
    if (id?.tag !== OBJECT_IDENTIFIER || decodeObjectIdentifier(contentOf(der, id)) !== oid) continue;
    const value = second?.tag === BOOLEAN ? third : second;
    return value?.tag === OCTET_STRING ? { value } : undefined;
  }
  return undefined;
}

/** AuthorityKeyIdentifier.keyIdentifier [0] (RFC 5280 §4.2.1.1). */
function authorityKeyIdHex(der: Uint8Array): string | undefined {
  try {
    const found = extensionValue(der, AUTHORITY_KEY_IDENTIFIER);
    if (found === undefined) return undefined;
    const inner = contentOf(der, found.value);
    const keyId = childrenOf(inner, readWhole(inner, SEQUENCE)).find((element) => element.tag === KEY_IDENTIFIER);
    return keyId === undefined ? undefined : Buffer.from(contentOf(inner, keyId)).toString("hex");
  } catch {
    return undefined;
  }
}

/**
 * The issuer's key identifier when the leaf carries no AKI: its SKI extension, else RFC 5280
 * §4.2.1.2 method 1 (SHA-1 of the subjectPublicKey bits), which is how ADCS derives SKIs.
 */
function subjectKeyIdHex(issuer: X509Certificate): string | undefined {
  const der = new Uint8Array(issuer.raw);
  try {
    const found = extensionValue(der, SUBJECT_KEY_IDENTIFIER);
    if (found !== undefined) {
      const inner = contentOf(der, found.value);
      return Buffer.from(contentOf(inner, readWhole(inner, OCTET_STRING))).toString("hex");
    }
    const spki = new Uint8Array(issuer.publicKey.export({ type: "spki", format: "der" }));
    const [, bits] = childrenOf(spki, readWhole(spki, SEQUENCE));
    if (bits?.tag !== BIT_STRING) return undefined;
    // Skip the unused-bits octet: the hash covers the key bits only.
    return createHash("sha1").update(contentOf(spki, bits).subarray(1)).digest("hex");
  } catch {
    return undefined;
  }
}
