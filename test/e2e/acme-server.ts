/**
 * An in-process Certeasy ACME server for protocol tests with real clients: a node core on a
 * fresh SQLite workdir, the whole ACME stack (accounts, orders, the embedded CA, validation and
 * issuance queues), the HTTPS listener on a free loopback port, and the challenge side of the
 * world on loopback too — a DNS server answering every name with 127.0.0.1 and serving TXT
 * records, an http-01 responder and a tls-alpn-01 responder, which the validation profile points
 * at.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { acmeMemoryProjections, startAcmeServices, type AcmeServices } from "../../src/acme/acme-services.js";
import { NonceService } from "../../src/acme/nonces/nonce-service.js";
import { ensureLocalRootCa } from "../../src/ca/local/bootstrap.js";
import { DEFAULTS } from "../../src/config/defaults.js";
import { normaliseIssuancePolicies } from "../../src/config/issuance-policies-schema.js";
import type { AcmeConfig, AuthorityConfig, CerteasyConfig, IssuancePolicy, PolicyBindingConfig, RateLimitConfig } from "../../src/config/index.js";
import { DenialRecorder, RateLimiter, rateLimitProjection } from "../../src/ratelimit/index.js";
import { licenseProjection } from "../../projections/index.js";
import type { LicensedConfiguration } from "../../src/domain/license/index.js";
import { LicenseService, startNodeLicensing, type NodeLicensing } from "../../src/license/index.js";
import { testTrustedKeys } from "../support/license.js";
import { createAcmeApp } from "../../src/http/app.js";
import { startHttpsServer } from "../../src/http/listener.js";
import { openNode, type NodeCore } from "../../src/node/open-node.js";
import { CerteasyMetrics } from "../../src/observability/metrics.js";
import { metricsMemoryProjections, orderStatusCountsOf } from "../../src/observability/node-sources.js";
import { ensureServerCertificate } from "../../src/tls/server-certificate.js";
import { startDnsServer, type TestDnsServer } from "../support/dns-server.js";
import { startHttp01Responder, startTlsAlpn01Responder, type Http01Responder, type TlsAlpn01Responder } from "../support/challenge-responders.js";
import { freePort } from "./harness.js";

export interface AcmeTestServer {
  readonly directoryUrl: string;
  readonly baseUrl: string;
  readonly rootPem: string;
  readonly core: NodeCore;
  readonly acme: AcmeServices;
  /** licensing as `serve` assembles it (Free plan unless a license was installed) */
  readonly licensing: NodeLicensing;
  readonly workdir: string;
  readonly dns: TestDnsServer;
  readonly http01: Http01Responder;
  readonly tlsAlpn01: TlsAlpn01Responder;
  stop(): Promise<void>;
}

export interface AcmeTestServerOptions {
  readonly acme?: Partial<AcmeConfig>;
  /** default: the implicit `default` policy (every name, every address) */
  readonly issuancePolicies?: readonly IssuancePolicy[];
  /** per-address and per-account limits; default: none */
  readonly rateLimiting?: RateLimitConfig;
  /** default: the embedded CA alone, named `local`, serving every policy */
  readonly authorities?: readonly AuthorityConfig[];
  readonly policyBindings?: readonly PolicyBindingConfig[];
  /** `acme.pending-poll-interval` in ms (default 30 s); tests go below the config's 1 s floor */
  readonly issuancePollMs?: number;
  /** orders per page of an account's orders list (default 100) */
  readonly ordersPageSize?: number;
  /** revocation propagation back-off (default: the production 1 min doubling to 1 h) */
  readonly revocationRetry?: { readonly firstRetryMs: number; readonly maxRetryMs: number };
  /** an existing workdir to start on (a restart); it is then left in place by `stop` */
  readonly workdir?: string;
  /** a license file (test/support/license.ts) installed before the boot check, as an operator would */
  readonly license?: string;
  /** the one clock of the node and its services (default: the system's); tests move it forward */
  readonly clock?: () => Date;
}

export class LicenseBootRefusedError extends Error {
  override readonly name = "LicenseBootRefusedError";
}

export async function startAcmeTestServer(options: AcmeTestServerOptions = {}): Promise<AcmeTestServer> {
  const workdir = options.workdir ?? (await mkdtemp(join(tmpdir(), "certeasy-acme-")));
  const log = pino({ level: "silent" });
  const clock = options.clock ?? ((): Date => new Date());
  const [dns, http01, tlsAlpn01] = await Promise.all([
    startDnsServer({ defaultA: "127.0.0.1" }),
    startHttp01Responder(),
    startTlsAlpn01Responder(),
  ]);
  const metrics = new CerteasyMetrics();
  const rateLedger = options.rateLimiting ? rateLimitProjection(options.rateLimiting) : undefined;
  const license = licenseProjection();
  const core = await openNode({
    memoryProjections: [...(rateLedger ? [rateLedger] : []), license, ...acmeMemoryProjections, ...metricsMemoryProjections],
    workdir,
    store: { driver: "sqlite", path: join(workdir, "db.sqlite") },
    noddl: false,
    auditPath: join(workdir, "audit.log"),
    log,
    clock,
    onBatch: metrics.observeWriterBatch,
    onCommitted: metrics.countCommitted,
  });
  const port = await freePort();
  const baseUrl = `https://localhost:${port}/`;
  const issuancePolicies = options.issuancePolicies ?? normaliseIssuancePolicies(undefined, []);
  const config: Pick<CerteasyConfig, "workdir" | "acme" | "renewalInfo" | "dnsValidationProfiles" | "issuancePolicies" | "authorities" | "policyBindings" | "server"> = {
    workdir,
    server: { ...DEFAULTS.server, urls: [new URL(baseUrl)], remoteIpHeader: null, trustedProxies: [] },
    acme: {
      termsOfService: null,
      website: null,
      caaIdentities: [],
      ...DEFAULTS.acme,
      validationRetries: 0,
      ...(options.issuancePollMs !== undefined ? { pendingPollIntervalMs: options.issuancePollMs } : {}),
      ...options.acme,
    },
    renewalInfo: DEFAULTS.renewalInfo,
    issuancePolicies,
    authorities: options.authorities ?? [{ name: "local", type: "local", policies: [], disableCaRevocation: false }],
    policyBindings:
      options.policyBindings ?? issuancePolicies.map((p) => ({ policy: p.name, authorities: ["local"], strategy: "first_available" as const })),
    dnsValidationProfiles: [
      {
        name: "loopback",
        timeoutMs: 5_000,
        zones: [{ suffixes: [""], dnsServers: [dns.address], protocol: "udp" }],
        allowCidrs: [
          { address: "127.0.0.0", prefixLength: 8, family: "ipv4" },
          { address: "::1", prefixLength: 128, family: "ipv6" },
        ],
        denyCidrs: [],
        ports: { http01: http01.port, tlsAlpn01: tlsAlpn01.port },
      },
    ],
  };
  // Licensing as `serve` runs it: an installed license first, then the boot check.
  const licenseConfig: LicensedConfiguration = { driver: "sqlite", authorities: config.authorities.map((a) => a.name) };
  const keys = await testTrustedKeys();
  if (options.license !== undefined) {
    const service = new LicenseService({ writer: core.writer, state: () => core.live.state(license), keys, config: licenseConfig, clock });
    await service.install({ text: options.license, force: false });
  }
  const licensing = await startNodeLicensing({ core, projection: license, keys, config: licenseConfig, log, onDenied: metrics.countLicenseDenial });
  if (licensing.boot.verdict.kind === "refused") {
    await core.stop("fatal");
    await Promise.all([dns.close(), http01.close(), tlsAlpn01.close()]);
    await rm(workdir, { recursive: true, force: true });
    throw new LicenseBootRefusedError(licensing.boot.banner ?? licensing.boot.verdict.title);
  }
  const rateLimits =
    options.rateLimiting && rateLedger
      ? {
          limiter: new RateLimiter({ config: options.rateLimiting, ledger: () => core.live.state(rateLedger) }),
          recorder: new DenialRecorder(core.writer, log, metrics.countRateLimitDenial),
          clock,
        }
      : undefined;
  const acme = await startAcmeServices({
    core,
    config,
    log: { validation: log, issuance: log },
    onValidation: metrics.countValidation,
    onRevocationOutcome: metrics.countRevocationOutcome,
    onAuthorityCall: metrics.observeAuthorityCall,
    ...(options.ordersPageSize !== undefined ? { ordersPageSize: options.ordersPageSize } : {}),
    ...(options.revocationRetry ? { revocationRetry: options.revocationRetry } : {}),
    ...(rateLimits ? { rateLimits } : {}),
    licenseGate: licensing.gate,
  });
  metrics.watchAuthorities(acme.authorityHealth);
  metrics.watchOrders(orderStatusCountsOf(core), clock);
  metrics.watchLicense(licensing);
  const ca = await ensureLocalRootCa(join(workdir, "local-ca"));
  const certificate = await ensureServerCertificate({ cacheDir: join(workdir, "server-certificate-cache"), hosts: ["localhost"], ca, clock: { now: clock } });
  const app = createAcmeApp({
    serverUrls: [baseUrl],
    maxBodyBytes: 1_048_576,
    readiness: () => [],
    log,
    nonces: new NonceService({ clock }),
    accounts: acme.accounts,
    orders: acme.routes,
    directoryMeta: acme.directoryMeta,
    metrics,
    ...(rateLimits ? { rateLimits } : {}),
  });
  const listener = await startHttpsServer({
    app,
    host: "127.0.0.1",
    port,
    tls: { key: certificate.keyPem, cert: certificate.certChainPem },
    timeouts: { readHeaderTimeoutMs: 5000, readTimeoutMs: 10_000, writeTimeoutMs: 30_000, idleTimeoutMs: 60_000 },
    log,
  });
  return {
    directoryUrl: `${baseUrl}acme/directory`,
    baseUrl,
    rootPem: await readFile(certificate.rootCaPath, "utf8"),
    core,
    acme,
    licensing,
    workdir,
    dns,
    http01,
    tlsAlpn01,
    async stop() {
      await listener.close(1000);
      await acme.stop(5_000);
      await core.stop("shutdown");
      await Promise.all([dns.close(), http01.close(), tlsAlpn01.close()]);
      if (options.workdir === undefined) await rm(workdir, { recursive: true, force: true });
    },
  };
}
