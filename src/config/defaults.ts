import { DEFAULT_CSR_POLICY } from "../acme/csr/policy.js";
import type { Cidr } from "./network.js";

/**
 * Every default of this step's configuration, in one place (behaviour reference §4.3). Since
 * 0.9.4 the loader applies them, so a partial section keeps the other keys at these values
 * instead of zero — before, a partial `server:` ran with no deadlines at all.
 */
const HOUR = 3_600_000;

function cidr(address: string, prefixLength: number): Cidr {
  return { address, prefixLength, family: address.includes(":") ? "ipv6" : "ipv4" };
}

export const DEFAULTS = {
  server: {
    listen: { host: "0.0.0.0", port: 8443 },
    readHeaderTimeoutMs: 5_000,
    readTimeoutMs: 10_000,
    writeTimeoutMs: 30_000,
    idleTimeoutMs: 60_000,
    maxBodyBytes: 1_048_576,
    shutdownTimeoutMs: 30_000,
  },
  database: {
    driver: "sqlite",
    sqlitePath: "%WORKDIR%/db.sqlite",
    pingTimeoutSec: 10,
    maxConn: 10,
    maxIdleConn: { sqlite: 2, network: 5 },
    /** PostgreSQL / SQL Server only; SQLite connections are not recycled unless asked */
    connMaxLifetimeMs: 120_000,
    connMaxIdleTimeMs: 60_000,
    noDdl: false,
  },
  logs: { level: "info", format: "json", output: "stderr" },
  audit: { enabled: true, path: "%WORKDIR%/audit.log" },
  workers: { drainTimeoutMs: 30_000 },
  /**
   * the writer lease (DESIGN §2 invariant 8): a dead node's lease is free after `ttl`. 6 s keeps
   * a standby's takeover under 10 s (docs/operations.md) while still surviving two lost renewals.
   */
  lease: { ttlMs: 6_000, renewIntervalMs: 2_000, standby: false },
  /** reference §4.3; Certeasy never connects to a licensing backend, so offline is the only mode */
  license: { offline: true, timeoutMs: 30_000 },
  /** behaviour reference §7, the v0.9.4+ values */
  rateLimiting: {
    global: { requestsPerMinute: 1_200, burst: 100 },
    abuse: { abusesBeforeBlock: 10, recoveryPerMinute: 20 },
    accountCreation: { perIpPerHour: 10, burst: 10 },
    orderCreation: { ordersPerAccountPerHour: 20, orderBurst: 5, sanBudgetPerAccountPerHour: 100 },
    duplicateCertificate: { maxPerWindow: 5, windowMs: 168 * HOUR },
    failedValidation: { maxPerWindow: 5, windowMs: HOUR },
    pendingAuthorizations: { max: 30 },
    /** one IPv6 host or subscriber holds a /64 (src/ratelimit/address-key.ts) */
    ipv6PrefixLength: 64,
  },
  /** RFC 9773 suggested window (behaviour reference §2.5) */
  renewalInfo: { lifetimeFraction: 2 / 3, windowWidthMs: 48 * HOUR, retryAfterMs: 6 * HOUR },
  /** Certeasy's own section: directory meta and object lifetimes (RFC 8555 §7.1.1, §7.1.3) */
  acme: {
    externalAccountBinding: "optional",
    orderLifetimeMs: 24 * HOUR,
    authorizationLifetimeMs: 24 * HOUR,
    validAuthorizationLifetimeMs: 720 * HOUR,
    /** 90 days, the embedded CA's leaf lifetime */
    certificateLifetimeMs: 2_160 * HOUR,
    validationConcurrency: 16,
    validationRetries: 2,
    /** a request an ADCS manager has not approved within three days is given up */
    pendingDeadlineMs: 72 * HOUR,
    /** how often such a request is asked for again (certreq -retrieve, certsrv's pending page) */
    pendingPollIntervalMs: 30_000,
    /** a revocation the CA has not taken within a week is given up (the operator is told) */
    revocationPublishDeadlineMs: 168 * HOUR,
  },
  dnsValidation: {
    profileName: "default",
    timeoutMs: 10_000,
    /** RFC 8555 §8.3 (http-01) and RFC 8737 §3 (tls-alpn-01) */
    ports: { http01: 80, tlsAlpn01: 443 },
    /**
     * With no `dns-validation-profiles` section: an enterprise PKI validates internal names on
     * private networks, so RFC 1918 and ULA space stay allowed; what is denied is what no
     * legitimate ACME client serves a challenge from and what a client could abuse the
     * validator to reach — this host, link-local and cloud metadata, unspecified, multicast.
     */
    allowCidrs: [cidr("0.0.0.0", 0), cidr("::", 0)],
    denyCidrs: [
      cidr("127.0.0.0", 8),
      cidr("::1", 128),
      cidr("169.254.0.0", 16),
      cidr("fe80::", 10),
      cidr("fd00:ec2::254", 128),
      cidr("0.0.0.0", 8),
      cidr("::", 128),
      cidr("224.0.0.0", 4),
      cidr("ff00::", 8),
    ],
  },
  /**
   * With no `issuance-policies` section: one policy that allows every DNS name (`./127` and
   * `*../127` reach every depth a name can have) and every IP address. Right for the embedded
   * CA's lab default; an enterprise install writes its own. The signature rules are the CSR
   * check's defaults (reference §3.4), also used for any `signature` key a policy leaves out.
   */
  issuancePolicy: {
    name: "default",
    dnsAllow: ["./127", "*../127"],
    ipAllow: [cidr("0.0.0.0", 0), cidr("::", 0)],
    csr: DEFAULT_CSR_POLICY,
  },
  /**
   * Behaviour reference §3.2–3.3. With no `authorities` section: the embedded CA alone, under
   * the name its CRL and CA-issuer URLs use. The adcs-cli values are Certeasy 0.9.2's; the bare
   * program names are looked up on PATH (Windows' system directory is on it).
   */
  authority: {
    name: "local",
    strategy: "first_available",
    adcsCli: { defaultTimeoutMs: 4 * 60_000, certreqPath: "certreq", certutilPath: "certutil" },
  },
  /** behaviour reference §9 and §4.3 */
  tlsCertificateManager: {
    acquireTimeoutMs: 120_000,
    renewBeforeMs: 720 * HOUR,
    pkiPollIntervalMs: 2_000,
    fileWatchIntervalMs: 5_000,
    localPkiCacheDir: "%WORKDIR%/server-certificate-cache",
    /** the product's only external CA; an on-premises one is set with acme.directory-url */
    acme: {
      directoryUrl: "https://acme-v02.api.letsencrypt.org/directory",
      httpAddress: { host: "0.0.0.0", port: 80 },
      cacheDir: "%WORKDIR%/autocert",
    },
    /** v0.9.3: ECDSA P-256 unless `key` says otherwise; RSA keys default to 3072 bits */
    key: { type: "ecdsa", curve: "P-256", rsaSize: 3072 },
    /** the bundle used when the section lists none */
    implicitBundleName: "server",
  },
} as const;
