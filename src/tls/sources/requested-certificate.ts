/**
 * What the pki and acme sources share: reuse the cached certificate while it is still right for
 * the bundle, otherwise request one (a new key each time) and cache it; renew `renew-before`
 * ahead of expiry while running. A failed renewal (CA down) is not retried at every check of
 * the manager, but after `RETRY_AFTER_FAILURE_MS`, still long before the certificate expires.
 */
import { X509Certificate } from "node:crypto";
import type { Logger } from "pino";
import type { ServerKeySpec } from "../../config/index.js";
import type { CredentialsCache } from "../credentials-cache.js";
import { certificateHosts, sameHosts, subjectAlternativeNames, type CertificateHost } from "../server-certificate-hosts.js";
import { renewalDue, type ServerCredentials } from "../server-credentials.js";
import { keyMatchesSpec } from "../server-key.js";
import type { CacheVerdict, CertificateSource } from "./certificate-source.js";

export const RETRY_AFTER_FAILURE_MS = 5 * 60_000;

export interface RequestedCertificateOptions {
  readonly bundle: string;
  readonly hosts: readonly string[];
  readonly key: ServerKeySpec;
  readonly renewBeforeMs: number;
  readonly cache: CredentialsCache;
  readonly log: Logger;
  /** Obtains a new chain and key for the hosts (both PEM). */
  request(hosts: readonly CertificateHost[], now: Date): Promise<{ readonly certChainPem: string; readonly keyPem: string }>;
  /** Checks a source adds to the cached certificate (e.g. still chained to the CA in use). */
  extraCacheCheck?(cached: ServerCredentials): CacheVerdict;
  close?(): Promise<void>;
}

export function requestedCertificateSource(options: RequestedCertificateOptions): CertificateSource {
  const { bundle, cache, log } = options;
  const hosts = certificateHosts(options.hosts);
  let retryAt = 0;

  const acquire = async (now: Date): Promise<ServerCredentials> => {
    const issued = await options.request(hosts, now);
    const credentials = await cache.write(issued.certChainPem, issued.keyPem);
    log.info({ bundle, hosts: hosts.map((h) => h.value), notAfter: credentials.notAfter.toISOString() }, "obtained server certificate");
    return credentials;
  };

  return {
    async initial(now) {
      const cached = await cache.read();
      if (cached) {
        const verdict = cacheVerdict(cached, hosts, options, now);
        if (verdict.usable) {
          log.info({ bundle, notAfter: cached.notAfter.toISOString() }, "reusing cached server certificate");
          return cached;
        }
        log.info({ bundle, reason: verdict.reason }, "requesting a new server certificate");
      }
      return acquire(now);
    },
    async refresh(current, now) {
      if (!renewalDue(current, options.renewBeforeMs, now) || now.getTime() < retryAt) return undefined;
      try {
        return await acquire(now);
      } catch (error) {
        retryAt = now.getTime() + RETRY_AFTER_FAILURE_MS;
        throw error;
      }
    },
    close: async () => options.close?.(),
  };
}

function cacheVerdict(cached: ServerCredentials, hosts: readonly CertificateHost[], options: RequestedCertificateOptions, now: Date): CacheVerdict {
  if (cached.notBefore.getTime() > now.getTime()) return { usable: false, reason: "not valid yet" };
  if (renewalDue(cached, options.renewBeforeMs, now)) return { usable: false, reason: "expires within the renew-before window" };
  if (!sameHosts(subjectAlternativeNames(new X509Certificate(cached.certChainPem)), hosts)) return { usable: false, reason: "hosts differ from the bundle's" };
  if (!keyMatchesSpec(cached.keyPem, options.key)) return { usable: false, reason: "key type differs from the bundle's key setting" };
  return options.extraCacheCheck?.(cached) ?? { usable: true };
}
