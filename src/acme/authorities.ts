/**
 * The configured certificate authorities, opened (reference §3.1): the embedded CA
 * (`type: local`, at most one, in `<workdir>/local-ca`), `adcs-cli` and `adcs-certsrv`
 * authorities. Their health is probed at start and then every minute; routing, `/readyz` and
 * `/metrics` read the last answer (so they agree, and a scrape never spawns certutil), and a
 * change of state is appended to the log as `authority.health-changed`.
 */
import { join } from "node:path";
import type { Logger } from "pino";
import { authorityStreamId, decodeEvent } from "../../events/index.js";
import { openAdcsCertsrvAuthority } from "../ca/adcs-certsrv/index.js";
import { openAdcsCliAuthority } from "../ca/adcs-cli/index.js";
import type { AuthorityHealth, CertificateAuthority } from "../ca/authority.js";
import { fromPem } from "../ca/der/pem.js";
import { readKeyPassword, type KeyPassword } from "../ca/local/key-protection.js";
import type { ProvidedCaFiles } from "../ca/local/issuing-ca.js";
import { openLocalAuthority, type LocalAuthority } from "../ca/local/local-authority.js";
import type { AuthorityConfig } from "../config/index.js";
import { resolveAnchoredPath } from "../config/paths.js";
import { observedAuthority, type AuthorityCallObserver } from "./observed-authority.js";
import { healthChange, recordedHealth } from "../domain/authority/health-change.js";
import { caIssuerPath, crlPath } from "../http/acme-paths.js";
import type { EventStoreDialect } from "../store/dialect.js";
import { toStoredEvent } from "../store/rows.js";
import type { EventWriter } from "../store/writer.js";

const HEALTH_INTERVAL_MS = 60_000;

export interface OpenedAuthorities {
  readonly byName: ReadonlyMap<string, CertificateAuthority>;
  /** the embedded CA, when one is configured: its CRL, issuer and root are served over HTTP */
  readonly local: { readonly authority: LocalAuthority; readonly issuerDer: Uint8Array } | null;
  /** the last health probe; an authority not probed yet counts as healthy */
  healthy(name: string): boolean;
  /** per authority, `health()` answers the last probe (waiting for the first one at start) */
  readonly lastProbes: ReadonlyMap<string, { health(): Promise<AuthorityHealth> }>;
  /** probe every authority now (the timer does it every minute); resolves once recorded */
  probe(): Promise<void>;
  close(): void;
}

export interface OpenAuthoritiesOptions {
  readonly workdir: string;
  /** the first `server.url`, without trailing slash: CRL and AIA URLs in local certificates */
  readonly baseUrl: string;
  readonly certificateLifetimeMs: number;
  readonly now: () => Date;
  readonly log: Logger;
  /** where health changes are recorded (`authority:<name>` streams) */
  readonly store: { readonly dialect: Pick<EventStoreDialect, "readStream">; readonly writer: Pick<EventWriter, "append"> };
  /** told of every call to an authority (`/metrics`): each one in `byName` is wrapped once, here */
  readonly onCall?: AuthorityCallObserver;
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

/** The embedded CA as configured, in `<workdir>/local-ca`. */
async function openConfiguredLocal(
  config: Extract<AuthorityConfig, { type: "local" }>,
  configs: readonly AuthorityConfig[],
  options: Pick<OpenAuthoritiesOptions, "workdir" | "baseUrl" | "certificateLifetimeMs" | "now">,
): Promise<LocalAuthority> {
  return openLocalAuthority({
    dir: localCaDir(options.workdir),
    name: config.name,
    crlUrl: options.baseUrl + crlPath(config.name),
    crlShards: config.crlShards,
    caIssuersUrl: options.baseUrl + caIssuerPath(config.name),
    certificateLifetimeMs: options.certificateLifetimeMs,
    now: options.now,
    keyPassword: await localCaKeyPassword(configs, options.workdir),
    ...(config.provided ? { provided: providedCaFiles(config.provided, options.workdir) } : {}),
  });
}

/** The embedded CA's directory: generated keys, revocation list (and the bootstrap root). */
export const localCaDir = (workdir: string): string => join(workdir, "local-ca");

/** An operator-provided issuing CA's files, resolved against the workdir. */
export function providedCaFiles(provided: NonNullable<Extract<AuthorityConfig, { type: "local" }>["provided"]>, workdir: string): ProvidedCaFiles {
  return {
    rootCertificateFile: inWorkdir(provided.rootCertificateFile, workdir),
    issuingCertificateFile: inWorkdir(provided.issuingCertificateFile, workdir),
    issuingKeyFile: inWorkdir(provided.issuingKeyFile, workdir),
  };
}

export async function openAuthorities(configs: readonly AuthorityConfig[], options: OpenAuthoritiesOptions): Promise<OpenedAuthorities> {
  const byName = new Map<string, CertificateAuthority>();
  let local: OpenedAuthorities["local"] = null;
  for (const config of configs) {
    if (config.type === "local") {
      const authority = await openConfiguredLocal(config, configs, options);
      local = { authority, issuerDer: fromPem(authority.issuingCertificatePem, "CERTIFICATE") };
      byName.set(config.name, authority);
    } else {
      byName.set(config.name, await openConfiguredAdcs(config, options));
    }
  }
  const { onCall } = options;
  if (onCall) for (const [name, authority] of byName) byName.set(name, observedAuthority(authority, onCall));

  const last = new Map<string, AuthorityHealth>();
  const recorded = new Map<string, boolean | null>();
  const { dialect, writer } = options.store;
  const probeOne = async (name: string, authority: CertificateAuthority): Promise<void> => {
    const result = await authority.health().catch((error: unknown): AuthorityHealth => ({ healthy: false, detail: error instanceof Error ? error.message : String(error) }));
    last.set(name, result);
    const streamId = authorityStreamId(name);
    // Read once per process: this node is the only writer of the stream (single active node).
    if (!recorded.has(name)) recorded.set(name, recordedHealth((await dialect.readStream(streamId)).map((row) => decodeEvent(toStoredEvent(row)))));
    const change = healthChange(name, recorded.get(name) ?? null, result);
    if (change === null) return;
    await writer.append({ streamId, expectedVersion: "any", events: [change], meta: { actor: "health-probe" } });
    recorded.set(name, result.healthy);
    options.log[result.healthy ? "info" : "warn"]({ authority: name, healthy: result.healthy, detail: result.detail }, "certificate authority health changed");
  };
  // One round at a time: a certutil -ping may take its whole timeout, longer than the interval.
  let round: Promise<void> | null = null;
  const probe = (): Promise<void> =>
    (round ??= Promise.all(
      [...byName].map(([name, authority]) =>
        probeOne(name, authority).catch((error: unknown) => options.log.error({ err: error, authority: name }, "could not record the authority's health")),
      ),
    ).then(() => {
      round = null;
    }));
  const first = probe();
  const timer = setInterval(() => void probe(), HEALTH_INTERVAL_MS);
  timer.unref();
  const lastProbes = new Map(
    [...byName.keys()].map((name) => [
      name,
      {
        health: async (): Promise<AuthorityHealth> => {
          if (!last.has(name)) await first;
          return last.get(name) ?? { healthy: false, detail: "not probed yet" };
        },
      },
    ]),
  );
  return { byName, local, healthy: (name) => last.get(name)?.healthy ?? true, lastProbes, probe, close: () => clearInterval(timer) };
}

const inWorkdir = (path: string, workdir: string): string => resolveAnchoredPath(path, "%WORKDIR%", workdir);

/**
 * The password of the embedded CA's keys, from the local authority's `key-password-file` or
 * `key-password-env`; null when none is configured. `serve` also opens the bootstrap root (the
 * HTTPS certificate's issuer, in the same directory) with it.
 */
export async function localCaKeyPassword(configs: readonly AuthorityConfig[], workdir: string): Promise<KeyPassword | null> {
  const local = configs.find((c) => c.type === "local");
  const source = local?.type === "local" ? local.keyPassword : undefined;
  if (source === undefined) return null;
  return readKeyPassword("file" in source ? { file: inWorkdir(source.file, workdir) } : source);
}
