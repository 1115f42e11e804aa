/**
 * The server's own HTTPS certificate at boot: reuse the one cached in
 * `<workdir>/server-certificate-cache/` while it is still good, otherwise issue a new one from
 * the bootstrap root CA and cache it (behaviour reference §9: `renew-before` 720h).
 *
 * The cache is only a cache: anything unreadable or inconsistent is replaced, never fatal.
 */
import "reflect-metadata";
import { X509Certificate as NodeX509Certificate, createPrivateKey } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import { ensurePrivateDirectory, replaceFile } from "../ca/local/bootstrap-keys.js";
import type { LocalRootCa } from "../ca/local/bootstrap.js";
import { issueServerCertificate } from "./server-certificate-issue.js";
import { renewalDue } from "./server-credentials.js";
import { type CertificateHost, certificateHosts, sameHosts, subjectAlternativeNames } from "./server-certificate-hosts.js";

export const SERVER_CERTIFICATE_FILE = "server-chain.pem";
export const SERVER_KEY_FILE = "server.key";
/** `tls-certificate-manager.renew-before` default: 720h. */
export const RENEW_BEFORE_MS = 30 * 86_400_000;

export interface EnsureServerCertificateOptions {
  /** `<workdir>/server-certificate-cache`. */
  readonly cacheDir: string;
  /** Host names of `server.url` (see `hostsOfServerUrls`). */
  readonly hosts: readonly string[];
  readonly ca: LocalRootCa;
  readonly clock: { readonly now: () => Date };
  /** `tls-certificate-manager.renew-before`; default 720h */
  readonly renewBeforeMs?: number;
  readonly log?: Logger;
}

export interface ServerCertificate {
  readonly keyPem: string;
  /** Leaf then root, PEM. */
  readonly certChainPem: string;
  /** The CA certificate a client must trust (printed by the CLI). */
  readonly rootCaPath: string;
  readonly notAfter: Date;
  /** False when this call issued a new certificate. */
  readonly reused: boolean;
}

export async function ensureServerCertificate(options: EnsureServerCertificateOptions): Promise<ServerCertificate> {
  const { cacheDir, ca, clock, log } = options;
  const hosts = certificateHosts(options.hosts);
  if (hosts.length === 0) throw new Error("the server certificate needs at least one host from server.url");
  const now = clock.now();
  const certificatePath = join(cacheDir, SERVER_CERTIFICATE_FILE);
  const keyPath = join(cacheDir, SERVER_KEY_FILE);

  const cached = await readCached(certificatePath, keyPath);
  if (cached) {
    const verdict = cachedCertificateVerdict(cached, hosts, ca, now, options.renewBeforeMs ?? RENEW_BEFORE_MS);
    if (verdict.usable) {
      log?.info({ notAfter: verdict.notAfter.toISOString() }, "reusing cached server certificate");
      return { ...cached, rootCaPath: ca.certificatePath, notAfter: verdict.notAfter, reused: true };
    }
    log?.info({ reason: verdict.reason }, "reissuing server certificate");
  }

  const issued = await issueServerCertificate(ca, hosts, now);
  await ensurePrivateDirectory(cacheDir);
  // Key before chain: a chain is useless without its key, so a crash in between is seen as a
  // mismatch at the next boot and simply reissued.
  await replaceFile(keyPath, issued.keyPem, 0o600);
  await replaceFile(certificatePath, issued.certChainPem, 0o600);
  log?.info({ hosts: hosts.map((h) => h.value), notAfter: issued.certificate.notAfter.toISOString() }, "issued server certificate");
  return {
    keyPem: issued.keyPem,
    certChainPem: issued.certChainPem,
    rootCaPath: ca.certificatePath,
    notAfter: issued.certificate.notAfter,
    reused: false,
  };
}

interface CachedFiles {
  readonly keyPem: string;
  readonly certChainPem: string;
}

async function readCached(certificatePath: string, keyPath: string): Promise<CachedFiles | undefined> {
  try {
    const [certChainPem, keyPem] = await Promise.all([readFile(certificatePath, "utf8"), readFile(keyPath, "utf8")]);
    return { certChainPem, keyPem };
  } catch {
    return undefined;
  }
}

type Verdict = { readonly usable: true; readonly notAfter: Date } | { readonly usable: false; readonly reason: string };

/** Decides whether the cached certificate can be served as is. */
export function cachedCertificateVerdict(
  cached: CachedFiles,
  hosts: readonly CertificateHost[],
  ca: Pick<LocalRootCa, "certificatePem">,
  now: Date,
  renewBeforeMs: number = RENEW_BEFORE_MS,
): Verdict {
  let leaf: NodeX509Certificate;
  try {
    leaf = new NodeX509Certificate(cached.certChainPem);
    const root = new NodeX509Certificate(ca.certificatePem);
    if (!leaf.checkIssued(root) || !leaf.verify(root.publicKey)) {
      return { usable: false, reason: "not issued by the current root CA" };
    }
    if (!leaf.checkPrivateKey(createPrivateKey(cached.keyPem))) {
      return { usable: false, reason: "cached key does not match the certificate" };
    }
  } catch {
    return { usable: false, reason: "cache unreadable" };
  }
  const notBefore = new Date(leaf.validFrom);
  const notAfter = new Date(leaf.validTo);
  if (notBefore.getTime() > now.getTime()) return { usable: false, reason: "not valid yet" };
  if (renewalDue({ notBefore, notAfter }, renewBeforeMs, now)) {
    return { usable: false, reason: "expires within the renew-before window" };
  }
  if (!sameHosts(subjectAlternativeNames(leaf), hosts)) {
    return { usable: false, reason: "hosts differ from server.url" };
  }
  return { usable: true, notAfter };
}
