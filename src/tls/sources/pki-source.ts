/**
 * Mode `pki` (reference §9, the recommended one): the server's certificate is requested through
 * one of Certeasy's own authorities, with a new key of the bundle's type at every request. An
 * authority that holds the request for approval (ADCS) is polled every `pki-poll-interval` up to
 * `acquire-timeout`; a refusal at start-up stops the server (§9: "the server does not start").
 *
 * The request bypasses ACME and the event log: it is the server's own certificate, not an order
 * of an account, and each node keeps its own (§9).
 */
import { X509Certificate, randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { CertificateAuthority, IssuedCertificate, SubmitOutcome } from "../../ca/authority.js";
import type { ServerKeySpec } from "../../config/index.js";
import { credentialsCache } from "../credentials-cache.js";
import type { CertificateHost } from "../server-certificate-hosts.js";
import { newServerKeyRequest } from "../server-key.js";
import type { CertificateSource } from "./certificate-source.js";
import { requestedCertificateSource } from "./requested-certificate.js";

export interface PkiSourceOptions {
  readonly bundle: string;
  readonly hosts: readonly string[];
  readonly key: ServerKeySpec;
  readonly authority: CertificateAuthority;
  /** the authority's issuing CA, when known: a cached certificate from another CA is replaced */
  readonly issuerPem?: string | undefined;
  readonly cacheDir: string;
  readonly renewBeforeMs: number;
  readonly pollIntervalMs: number;
  readonly acquireTimeoutMs: number;
  readonly log: Logger;
}

export class ServerCertificateRefusedError extends Error {
  override readonly name = "ServerCertificateRefusedError";
}

export function pkiSource(options: PkiSourceOptions): CertificateSource {
  const { authority, bundle } = options;
  return requestedCertificateSource({
    ...options,
    cache: credentialsCache(options.cacheDir, bundle),
    async request(hosts, now) {
      const request = await newServerKeyRequest(options.key, hosts);
      const issued = await untilIssued(
        await authority.submit({
          // Unique per attempt (authorities answer a known key with the certificate they issued
          // for it): each request carries a new key pair and needs its own certificate.
          requestKey: `tls-certificate-manager/${bundle}/${randomUUID()}`,
          csrDer: request.csrDer,
          publicKeySpki: request.publicKeySpki,
          identifiers: hosts.map((host: CertificateHost) => ({ type: host.kind, value: host.value })),
          extraEkus: [],
        }),
        options,
        now,
      );
      return { certChainPem: issued.chainPem, keyPem: request.keyPem };
    },
    extraCacheCheck(cached) {
      if (options.issuerPem === undefined) return { usable: true };
      const leaf = new X509Certificate(cached.certChainPem);
      const issuer = new X509Certificate(options.issuerPem);
      const chained = leaf.checkIssued(issuer) && leaf.verify(issuer.publicKey);
      return chained ? { usable: true } : { usable: false, reason: `not issued by authority ${authority.name}'s current CA` };
    },
  });
}

async function untilIssued(first: SubmitOutcome, options: PkiSourceOptions, started: Date): Promise<IssuedCertificate> {
  const { authority, bundle } = options;
  const deadline = Date.now() + options.acquireTimeoutMs;
  let outcome = first;
  while (outcome.kind === "pending") {
    if (Date.now() + options.pollIntervalMs > deadline) {
      throw new ServerCertificateRefusedError(
        `authority ${authority.name} still holds the server certificate request of bundle ${bundle} (request ${outcome.requestId}, sent ${started.toISOString()}) after tls-certificate-manager.acquire-timeout; approve it at the CA, or raise the timeout`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollIntervalMs));
    outcome = await authority.poll(outcome.requestId);
  }
  if (outcome.kind === "denied") {
    throw new ServerCertificateRefusedError(`authority ${authority.name} refused the server certificate of bundle ${bundle}: ${outcome.reason}`);
  }
  return outcome.certificate;
}
