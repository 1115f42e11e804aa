/**
 * The configured certificate authorities, opened (reference §3.1): the embedded CA
 * (`type: local`, at most one, in `<workdir>/local-ca`), `adcs-cli` and `adcs-certsrv` authorities. Their health
 * is probed at start and then every minute; routing reads the last answer.
 */
import { join } from "node:path";
import type { Logger } from "pino";
import { openAdcsCertsrvAuthority } from "../ca/adcs-certsrv/index.js";
import { openAdcsCliAuthority } from "../ca/adcs-cli/index.js";
import type { CertificateAuthority } from "../ca/authority.js";
import { fromPem } from "../ca/der/pem.js";
import { openLocalAuthority, type LocalAuthority } from "../ca/local/local-authority.js";
import type { AuthorityConfig } from "../config/index.js";
import { caIssuerPath, crlPath } from "../http/acme-paths.js";

const HEALTH_INTERVAL_MS = 60_000;

export interface OpenedAuthorities {
  readonly byName: ReadonlyMap<string, CertificateAuthority>;
  /** the embedded CA, when one is configured: its CRL, issuer and root are served over HTTP */
  readonly local: { readonly authority: LocalAuthority; readonly issuerDer: Uint8Array } | null;
  /** the last health probe; an authority not probed yet counts as healthy */
  healthy(name: string): boolean;
  close(): void;
}

export interface OpenAuthoritiesOptions {
  readonly workdir: string;
  /** the first `server.url`, without trailing slash: CRL and AIA URLs in local certificates */
  readonly baseUrl: string;
  readonly certificateLifetimeMs: number;
  readonly now: () => Date;
  readonly log: Logger;
}

/** An ADCS authority as configured (also what `serve --probe` asks for its health). */
export async function openConfiguredAdcs(
  config: Extract<AuthorityConfig, { type: "adcs-cli" | "adcs-certsrv" }>,
  options: Pick<OpenAuthoritiesOptions, "workdir" | "now" | "log">,
): Promise<CertificateAuthority> {
  if (config.type === "adcs-certsrv") {
    return openAdcsCertsrvAuthority({
      name: config.name,
      url: config.url,
      template: config.certificateTemplate,
      auth: config.auth,
      username: config.username,
      password: config.password,
      caBundle: config.caBundle,
      timeoutMs: config.defaultTimeoutMs,
      now: options.now,
      log: options.log,
    });
  }
  return openAdcsCliAuthority({
    name: config.name,
    caName: config.caName,
    template: config.certificateTemplate,
    certreqPath: config.certreqPath,
    certutilPath: config.certutilPath,
    workdir: options.workdir,
    timeoutMs: config.defaultTimeoutMs,
    now: options.now,
    log: options.log,
  });
}

export async function openAuthorities(configs: readonly AuthorityConfig[], options: OpenAuthoritiesOptions): Promise<OpenedAuthorities> {
  const byName = new Map<string, CertificateAuthority>();
  let local: OpenedAuthorities["local"] = null;
  for (const config of configs) {
    if (config.type === "local") {
      const authority = await openLocalAuthority({
        dir: join(options.workdir, "local-ca"),
        name: config.name,
        crlUrl: options.baseUrl + crlPath(config.name),
        caIssuersUrl: options.baseUrl + caIssuerPath(config.name),
        certificateLifetimeMs: options.certificateLifetimeMs,
        now: options.now,
      });
      local = { authority, issuerDer: fromPem(authority.issuingCertificatePem, "CERTIFICATE") };
      byName.set(config.name, authority);
    } else {
      byName.set(config.name, await openConfiguredAdcs(config, options));
    }
  }

  const health = new Map<string, boolean>();
  const probe = async (): Promise<void> => {
    await Promise.all(
      [...byName].map(async ([name, authority]) => {
        const result = await authority.health().catch((error: unknown) => ({ healthy: false, detail: String(error) }));
        if (health.get(name) !== result.healthy) {
          options.log[result.healthy ? "info" : "warn"]({ authority: name, healthy: result.healthy, detail: result.detail }, "certificate authority health changed");
        }
        health.set(name, result.healthy);
      }),
    );
  };
  void probe();
  const timer = setInterval(() => void probe(), HEALTH_INTERVAL_MS);
  timer.unref();
  return { byName, local, healthy: (name) => health.get(name) ?? true, close: () => clearInterval(timer) };
}
