/**
 * A server certificate as the TLS manager holds it: the PEM chain and key it hands to
 * `tls.createSecureContext`, checked once when loaded so a bad pair never reaches a handshake.
 */
import { X509Certificate, createPrivateKey } from "node:crypto";
import { classifyHost } from "./server-certificate-hosts.js";

export interface ServerCredentials {
  /** PEM private key */
  readonly keyPem: string;
  /** PEM certificate chain, leaf first */
  readonly certChainPem: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** the leaf's SHA-256 fingerprint, for logs */
  readonly fingerprint: string;
}

export class ServerCredentialsError extends Error {
  override readonly name = "ServerCredentialsError";
}

/** Parses the chain's leaf and checks the key belongs to it; throws `ServerCredentialsError` otherwise. */
export function inspectCredentials(certChainPem: string, keyPem: string): ServerCredentials {
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(certChainPem);
  } catch (error) {
    throw new ServerCredentialsError(`the certificate is not a readable PEM certificate (${(error as Error).message})`);
  }
  let matches: boolean;
  try {
    matches = leaf.checkPrivateKey(createPrivateKey(keyPem));
  } catch (error) {
    throw new ServerCredentialsError(`the private key is not a readable PEM key (${(error as Error).message})`);
  }
  if (!matches) throw new ServerCredentialsError("the private key does not belong to the certificate");
  return {
    keyPem,
    certChainPem,
    notBefore: new Date(leaf.validFrom),
    notAfter: new Date(leaf.validTo),
    fingerprint: leaf.fingerprint256,
  };
}

/** The hosts the leaf does not cover, by the matching rules of RFC 6125 (wildcards included). */
export function uncoveredHosts(credentials: ServerCredentials, hosts: readonly string[]): string[] {
  const leaf = new X509Certificate(credentials.certChainPem);
  return hosts.filter((raw) => {
    const host = classifyHost(raw);
    return host.kind === "ip" ? leaf.checkIP(host.value) === undefined : leaf.checkHost(host.value, { subject: "never" }) === undefined;
  });
}

/**
 * When a certificate should be replaced: `renewBeforeMs` ahead of its expiry (reference §9,
 * default 720h). A certificate whose whole life is shorter than that would be due the moment
 * it arrives and renewed at every check, so it is renewed two thirds into its life instead.
 */
export function renewalTime(credentials: Pick<ServerCredentials, "notBefore" | "notAfter">, renewBeforeMs: number): Date {
  const lifetime = credentials.notAfter.getTime() - credentials.notBefore.getTime();
  if (lifetime > renewBeforeMs) return new Date(credentials.notAfter.getTime() - renewBeforeMs);
  return new Date(credentials.notBefore.getTime() + Math.floor((lifetime * 2) / 3));
}

export function renewalDue(credentials: Pick<ServerCredentials, "notBefore" | "notAfter">, renewBeforeMs: number, now: Date): boolean {
  return now.getTime() >= renewalTime(credentials, renewBeforeMs).getTime();
}
