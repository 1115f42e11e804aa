/**
 * Turns the leaf certreq wrote, plus the CA certificates it (or certutil) handed back, into an
 * `IssuedCertificate`: the chain ordered leaf first, each next certificate the issuer of the one
 * before, the self-signed root dropped (RFC 8555 §7.4.2; adcs.md §1.4, §7.4 — clients bring
 * their own trust anchor). Serial and AKI come from the leaf's own DER, so they are exactly the
 * octets revocation and RFC 9773 certIDs need, leading sign octet included.
 */
import { X509Certificate } from "node:crypto";
import type { IssuedCertificate } from "../authority.js";
import { toPem } from "../der/pem.js";
import { authorityKeyIdHex, serialHex, subjectKeyIdHex } from "../x509/certificate-ids.js";

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
