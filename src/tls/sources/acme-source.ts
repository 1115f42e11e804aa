/**
 * Mode `acme` (the product's `letsencrypt`, reference §9): the certificate comes from an
 * external ACME CA (Let's Encrypt, or an on-premises one) through acme-client, validated with
 * http-01 only, on the shared challenge listener. The terms of service are accepted, as in the
 * product. The account key (`account.key`) and each bundle's certificate are kept in
 * `acme.cache-dir`, so a restart neither registers again nor orders again.
 */
import { generateKeyPairSync } from "node:crypto";
import { readFile } from "node:fs/promises";
import { Agent } from "node:https";
import { join } from "node:path";
import * as acme from "acme-client";
import type { Logger } from "pino";
import type { ExternalAcmeConfig, ServerKeySpec } from "../../config/index.js";
import { ensurePrivateDirectory, writeNewFile } from "../../ca/local/bootstrap-keys.js";
import { credentialsCache } from "../credentials-cache.js";
import type { Http01Responder } from "../http-01-responder.js";
import { newServerKeyRequest } from "../server-key.js";
import type { CertificateSource } from "./certificate-source.js";
import { requestedCertificateSource } from "./requested-certificate.js";

export const ACCOUNT_KEY_FILE = "account.key";

export interface AcmeSourceOptions {
  readonly bundle: string;
  readonly hosts: readonly string[];
  readonly key: ServerKeySpec;
  readonly acme: ExternalAcmeConfig;
  readonly responder: Http01Responder;
  readonly renewBeforeMs: number;
  readonly acquireTimeoutMs: number;
  readonly log: Logger;
}

export function acmeSource(options: AcmeSourceOptions): CertificateSource {
  const { bundle, responder } = options;
  const { cacheDir } = options.acme;
  return requestedCertificateSource({
    ...options,
    cache: credentialsCache(cacheDir, bundle),
    async request(hosts) {
      const request = await newServerKeyRequest(options.key, hosts);
      const client = new acme.Client({ directoryUrl: options.acme.directoryUrl, accountKey: await accountKey(cacheDir) });
      const order = client.auto({
        csr: request.csrPem,
        ...(options.acme.email === null ? {} : { email: options.acme.email }),
        termsOfServiceAgreed: true,
        challengePriority: ["http-01"],
        // acme-client's own pre-check fetches port 80 of the name, which is not where the
        // listener is when http-addr forwards from a proxy; the CA's validation is the one that counts.
        skipChallengeVerification: true,
        challengeCreateFn: async (authz, challenge, keyAuthorization) => responder.add(authz.identifier.value, challenge.token, keyAuthorization),
        challengeRemoveFn: async (authz, challenge) => responder.remove(authz.identifier.value, challenge.token),
      });
      const certChainPem = await withTimeout(order, options.acquireTimeoutMs, `the ACME CA at ${options.acme.directoryUrl} did not issue the certificate of bundle ${bundle} within tls-certificate-manager.acquire-timeout`);
      return { certChainPem, keyPem: request.keyPem };
    },
  });
}

/**
 * acme-client sends every request through its one axios instance; the server process uses
 * acme-client for nothing else, so trusting `caPem` there trusts it for the external ACME CA only.
 */
export function trustForAcme(caPem: string): void {
  acme.axios.defaults.httpsAgent = new Agent({ ca: caPem });
}

/** The cached account key, created on first use (ECDSA P-256, 0600). */
async function accountKey(cacheDir: string): Promise<string> {
  const path = join(cacheDir, ACCOUNT_KEY_FILE);
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  await ensurePrivateDirectory(cacheDir);
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  await writeNewFile(path, privateKey.export({ type: "pkcs8", format: "pem" }).toString(), 0o600);
  return readFile(path, "utf8");
}

function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
