/**
 * The implicit bundle of a config without `tls-certificate-manager`: a certificate for every
 * `server.url` host from the bootstrap root CA (the first-start behaviour, so a new install
 * serves HTTPS with nothing to configure), renewed `renew-before` ahead of expiry.
 */
import type { Logger } from "pino";
import type { LocalRootCa } from "../../ca/local/bootstrap.js";
import { ensureServerCertificate } from "../server-certificate.js";
import { inspectCredentials, renewalDue, type ServerCredentials } from "../server-credentials.js";
import type { CertificateSource } from "./certificate-source.js";

export interface BootstrapSourceOptions {
  readonly ca: LocalRootCa;
  readonly cacheDir: string;
  readonly hosts: readonly string[];
  readonly renewBeforeMs: number;
  readonly log: Logger;
}

export function bootstrapSource(options: BootstrapSourceOptions): CertificateSource {
  const ensure = async (now: Date): Promise<ServerCredentials> => {
    const certificate = await ensureServerCertificate({ ...options, clock: { now: () => now } });
    return inspectCredentials(certificate.certChainPem, certificate.keyPem);
  };
  return {
    initial: ensure,
    refresh: async (current, now) => (renewalDue(current, options.renewBeforeMs, now) ? ensure(now) : undefined),
    close: async () => undefined,
  };
}
