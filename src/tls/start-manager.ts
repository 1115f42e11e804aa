/**
 * Builds the TLS certificate manager from `tls-certificate-manager` (reference §9): one source
 * per bundle, the http-01 listener when a bundle uses mode acme, the bundle that answers
 * handshakes without SNI, and the metrics. Start-up fails when any bundle has no certificate.
 */
import { readFile } from "node:fs/promises";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { CertificateAuthority } from "../ca/authority.js";
import type { LocalRootCa } from "../ca/local/bootstrap.js";
import type { AuthorityConfig, CertificateBundleConfig, ExternalAcmeConfig, ServerConfig, TlsCertificateManagerConfig } from "../config/index.js";
import { tlsCertificateMetrics } from "../observability/tls-certificate-metrics.js";
import { startHttp01Responder, type Http01Responder } from "./http-01-responder.js";
import { TlsCertificateManager } from "./manager.js";
import { classifyHost, hostsOfServerUrls } from "./server-certificate-hosts.js";
import { bootstrapSource } from "./sources/bootstrap-source.js";
import type { CertificateSource } from "./sources/certificate-source.js";
import { filesSource } from "./sources/files-source.js";
import { pkiSource } from "./sources/pki-source.js";

/** What of the config decides the server's certificates. */
export interface ServerCertificateConfig {
  readonly server: Pick<ServerConfig, "urls">;
  readonly tlsCertificateManager: TlsCertificateManagerConfig;
  readonly authorities: readonly AuthorityConfig[];
}

type LocalAuthorityConfig = Extract<AuthorityConfig, { readonly type: "local" }>;
type OperatorCaConfig = LocalAuthorityConfig & { readonly provided: NonNullable<LocalAuthorityConfig["provided"]> };

export interface StartTlsCertificateManagerOptions {
  readonly config: ServerCertificateConfig;
  /** the configured authorities by name (pki bundles) */
  readonly authorities: ReadonlyMap<string, CertificateAuthority>;
  /** the bootstrap root CA (the implicit bundle) */
  readonly rootCa: LocalRootCa;
  readonly registry?: Registry;
  readonly clock: () => Date;
  readonly log: Logger;
}

export async function startTlsCertificateManager(options: StartTlsCertificateManagerOptions): Promise<TlsCertificateManager> {
  const tls = options.config.tlsCertificateManager;
  // acme-client (and its HTTP stack) is loaded only when a bundle uses it: every CLI command
  // imports this module, and most never serve.
  const external = tls.acme === null ? null : await startExternalAcme(tls.acme, options.log);
  const responder = external?.responder ?? null;
  try {
    return await TlsCertificateManager.start({
      bundles: tls.bundles.map((bundle) => ({ name: bundle.name, hosts: bundle.hosts, source: sourceOf(bundle, external, options) })),
      defaultBundle: defaultBundle(tls.bundles, options.config.server.urls),
      // Files are watched at this period; renewal checks are a date comparison, cheap at any period.
      checkIntervalMs: tls.fileWatchIntervalMs,
      clock: options.clock,
      log: options.log,
      ...(options.registry ? { events: tlsCertificateMetrics(options.registry) } : {}),
      ...(responder ? { onClose: () => responder.close() } : {}),
    });
  } catch (error) {
    await responder?.close();
    throw error;
  }
}

interface ExternalAcme {
  readonly responder: Http01Responder;
  readonly acmeSource: typeof import("./sources/acme-source.js").acmeSource;
}

function sourceOf(bundle: CertificateBundleConfig, external: ExternalAcme | null, options: StartTlsCertificateManagerOptions): CertificateSource {
  const tls = options.config.tlsCertificateManager;
  const log = options.log;
  const common = { bundle: bundle.name, hosts: bundle.hosts, renewBeforeMs: tls.renewBeforeMs, log };
  switch (bundle.mode) {
    case "files":
      return filesSource({ ...common, certFile: bundle.certFile, keyFile: bundle.keyFile });
    case "pki": {
      const name = bundleAuthority(options.config, bundle);
      if (name === null) return bootstrapSource({ ...common, ca: options.rootCa, cacheDir: tls.localPkiCacheDir });
      const authority = options.authorities.get(name);
      if (!authority) throw new Error(`bundle ${bundle.name}: no authority named ${name} is open`);
      return pkiSource({
        ...common,
        key: bundle.key,
        authority,
        issuerPem: "issuingCertificatePem" in authority && typeof authority.issuingCertificatePem === "string" ? authority.issuingCertificatePem : undefined,
        cacheDir: tls.localPkiCacheDir,
        pollIntervalMs: tls.pkiPollIntervalMs,
        acquireTimeoutMs: tls.acquireTimeoutMs,
      });
    }
    case "acme":
      if (tls.acme === null || external === null) throw new Error(`bundle ${bundle.name}: mode acme without the acme settings`);
      return external.acmeSource({ ...common, key: bundle.key, acme: tls.acme, responder: external.responder, acquireTimeoutMs: tls.acquireTimeoutMs });
  }
}

/** The http-01 listener and, loaded now, the acme source; `ca-bundle` trusted for the ACME CA. */
async function startExternalAcme(settings: ExternalAcmeConfig, log: Logger): Promise<ExternalAcme> {
  const { acmeSource, trustForAcme } = await import("./sources/acme-source.js");
  if (settings.caBundleFile !== null) trustForAcme(await readFile(settings.caBundleFile, "utf8"));
  return { responder: await startHttp01Responder(settings.httpAddress, log), acmeSource };
}

/**
 * A client connecting to an IP address sends no SNI (RFC 6066 §3), so the bundle holding the
 * `server.url` IP addresses (the config allows only one) answers such handshakes; without IP
 * addresses, the bundle of the first `server.url` host.
 */
function defaultBundle(bundles: readonly CertificateBundleConfig[], urls: readonly URL[]): string {
  const hosts = hostsOfServerUrls(urls.map((url) => url.href)).map((host) => classifyHost(host));
  const preferred = hosts.find((host) => host.kind === "ip") ?? hosts[0];
  const owner = bundles.find((bundle) => preferred !== undefined && bundle.hosts.includes(preferred.value)) ?? bundles[0];
  if (!owner) throw new Error("tls-certificate-manager has no bundle");
  return owner.name;
}

/** The embedded CA running on the operator's CA files, if the config has one. */
export function operatorProvidedCa(config: Pick<ServerCertificateConfig, "authorities">): OperatorCaConfig | null {
  return config.authorities.find((a): a is OperatorCaConfig => a.type === "local" && a.provided !== undefined) ?? null;
}

/**
 * The authority that issues a pki bundle; null: the bootstrap root. A bundle naming none (the
 * implicit one among them) is issued by the embedded CA when it runs on the operator's CA files,
 * so that clients trusting the operator's root trust the server too.
 */
export function bundleAuthority(config: Pick<ServerCertificateConfig, "authorities">, bundle: Extract<CertificateBundleConfig, { readonly mode: "pki" }>): string | null {
  return bundle.authority ?? operatorProvidedCa(config)?.name ?? null;
}
