/** Issues the server's own TLS leaf certificate from the bootstrap root CA. */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import {
  ECDSA_WITH_SHA256,
  generateP256KeyPair,
  privateKeyToPkcs8Pem,
  randomSerialNumber,
} from "../ca/local/bootstrap-keys.js";
import type { LocalRootCa } from "../ca/local/bootstrap.js";
import type { CertificateHost } from "./server-certificate-hosts.js";

export const SERVER_CERTIFICATE_VALIDITY_DAYS = 90;
const DAY_MS = 86_400_000;
const BACKDATE_MS = 5 * 60_000;
/** RFC 5280 upper bound for a commonName (ub-common-name). */
const MAX_COMMON_NAME_LENGTH = 64;

/** The part of a CA the server certificate needs: its certificate and signing key. */
export type ServerCertificateIssuer = Pick<LocalRootCa, "certificate" | "certificatePem" | "privateKey">;

export interface IssuedServerCertificate {
  readonly keyPem: string;
  /** Leaf first, then the issuing root. */
  readonly certChainPem: string;
  readonly certificate: x509.X509Certificate;
}

export async function issueServerCertificate(
  issuer: ServerCertificateIssuer,
  hosts: readonly CertificateHost[],
  now: Date,
): Promise<IssuedServerCertificate> {
  const first = hosts[0];
  if (!first) throw new Error("the server certificate needs at least one host");
  const keys = await generateP256KeyPair();
  // The SANs carry the identity (RFC 6125); the CN is only a readable label.
  const commonName = first.value.length <= MAX_COMMON_NAME_LENGTH ? first.value : "Certeasy server";
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialNumber(),
    subject: [{ CN: [commonName] }],
    issuer: issuer.certificate.subjectName,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + SERVER_CERTIFICATE_VALIDITY_DAYS * DAY_MS),
    publicKey: keys.publicKey,
    signingKey: issuer.privateKey,
    signingAlgorithm: ECDSA_WITH_SHA256,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
      new x509.SubjectAlternativeNameExtension(hosts.map((h) => ({ type: h.kind, value: h.value }))),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await authorityKeyIdentifier(issuer.certificate),
    ],
  });
  return {
    keyPem: await privateKeyToPkcs8Pem(keys.privateKey),
    certChainPem: `${certificate.toString("pem")}\n${issuer.certificatePem.trim()}\n`,
    certificate,
  };
}

/** AKI = the issuer's own SKI when it has one, so path building matches exactly (RFC 5280 §4.2.1.1). */
async function authorityKeyIdentifier(issuer: x509.X509Certificate): Promise<x509.AuthorityKeyIdentifierExtension> {
  const ski = issuer.getExtension(x509.SubjectKeyIdentifierExtension);
  if (ski) return new x509.AuthorityKeyIdentifierExtension(ski.keyId);
  return x509.AuthorityKeyIdentifierExtension.create(issuer.publicKey);
}
