/**
 * The configuration as the rest of Certeasy sees it: camelCase, every default applied, every
 * path absolute, every duration in milliseconds. Produced once, at the boundary, by
 * normalise.ts; nothing past the loader reads the YAML shape.
 */
import type { IssuancePolicy } from "../domain/policy/index.js";
import type { ServiceName } from "../log/services.js";
import type { ValidationProfile } from "../validation/profile.js";
import type { Cidr, ListenAddress } from "./network.js";

export type { Cidr, ListenAddress } from "./network.js";
export type { ResolverZone, ValidationProfile } from "../validation/profile.js";
export type { DnsRule, IssuancePolicy } from "../domain/policy/index.js";

export interface ServerConfig {
  /** public base URLs, used in the directory and in every object link (RFC 8555 §7.1) */
  readonly urls: readonly URL[];
  readonly listen: ListenAddress;
  readonly readHeaderTimeoutMs: number;
  readonly readTimeoutMs: number;
  /** hard ceiling per request */
  readonly writeTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly maxBodyBytes: number;
  /** in-flight requests get this long to finish after SIGTERM; ≤ workers.drainTimeoutMs */
  readonly shutdownTimeoutMs: number;
  /** e.g. `X-Forwarded-For`; believed only from `trustedProxies`; `null` when not set */
  readonly remoteIpHeader: string | null;
  readonly trustedProxies: readonly Cidr[];
}

interface DatabasePoolConfig {
  readonly pingTimeoutMs: number;
  readonly maxConn: number;
  /** never above `maxConn` */
  readonly maxIdleConn: number;
  /** `null`: connections are not recycled by age */
  readonly connMaxLifetimeMs: number | null;
  /** `null`: idle connections are kept */
  readonly connMaxIdleTimeMs: number | null;
  /** `true`: never run DDL (migrations are applied by `certeasy migrate` with DDL rights) */
  readonly noDdl: boolean;
}

export interface SqliteDatabaseConfig extends DatabasePoolConfig {
  readonly driver: "sqlite";
  /** absolute path of the database file */
  readonly path: string;
}

export interface NetworkDatabaseConfig extends DatabasePoolConfig {
  readonly driver: "postgres" | "sqlserver";
  /** connection string, never logged: it usually holds a password */
  readonly dsn: string;
}

export type DatabaseConfig = SqliteDatabaseConfig | NetworkDatabaseConfig;
export type DatabaseDriver = DatabaseConfig["driver"];

/** `off` also stands for the product's `none` */
export type LogLevel = "debug" | "info" | "warn" | "error" | "off";

export type LogOutput =
  | { readonly kind: "stderr" }
  | { readonly kind: "stdout" }
  | { readonly kind: "file"; readonly path: string };

export interface LogsConfig {
  readonly level: LogLevel;
  readonly format: "json" | "text";
  readonly output: LogOutput;
  /** per-service levels; a service not listed uses `level` */
  readonly services: Readonly<Partial<Record<ServiceName, LogLevel>>>;
  /** labels added to every line */
  readonly tags: Readonly<Record<string, string>>;
}

export interface AuditConfig {
  readonly enabled: boolean;
  /** absolute path of this node's audit file */
  readonly path: string;
}

export interface WorkersConfig {
  /** claimed jobs get this long to finish after SIGTERM (behaviour reference §11.4) */
  readonly drainTimeoutMs: number;
}

/** The writer lease (DESIGN §2 invariant 8): one node appends; the others are refused. */
export interface LeaseConfig {
  /** a holder that stops renewing loses the lease this long after its last renewal */
  readonly ttlMs: number;
  /** how often the holder renews; less than ttlMs / 2 */
  readonly renewIntervalMs: number;
  /** `lease.standby` (or `serve --standby`): wait as a warm standby and take the lease when it expires */
  readonly standby: boolean;
}

/** One `license.public-keys` item: a key file (absolute path) or an inline PEM block. */
export type LicenseKeySource = { readonly kind: "file"; readonly path: string } | { readonly kind: "pem"; readonly pem: string };

/** `license` (behaviour reference §4.3, §8): keys licenses may be signed with besides the vendor's. */
export interface LicenseConfig {
  /** in the order written; `license.public-keys.<i>` in messages */
  readonly publicKeys: readonly LicenseKeySource[];
  /** accepted for compatibility; Certeasy never phones home whatever its value */
  readonly offline: boolean;
  /** accepted for compatibility; unused (no outbound licensing connection exists) */
  readonly proxyUrl: string | null;
  /** accepted for compatibility; unused */
  readonly timeoutMs: number;
}

/** ACME Renewal Information (RFC 9773, behaviour reference §2.5) */
export interface RenewalInfoConfig {
  /** the suggested window starts this far into a certificate's life; strictly between 0 and 1 */
  readonly lifetimeFraction: number;
  /** the window ends this long after its start, or at notAfter if sooner */
  readonly windowWidthMs: number;
  /** the `Retry-After` sent with every renewal-info answer */
  readonly retryAfterMs: number;
}

/** One limiter of `rate-limiting` (behaviour reference §7); a disabled one is never consulted. */
interface LimiterSwitch {
  readonly enabled: boolean;
}

/** `rate-limiting`: every quota ≥ 1 when its limiter is enabled, windows in milliseconds. */
export interface RateLimitConfig {
  /** per-IP token bucket on every request; whitelisted addresses bypass it */
  readonly global: LimiterSwitch & { readonly requestsPerMinute: number; readonly burst: number };
  /** per-IP marking: at `abusesBeforeBlock` the address is refused everything until it recovers */
  readonly abuse: LimiterSwitch & { readonly abusesBeforeBlock: number; readonly recoveryPerMinute: number };
  /** per-IP bucket at newAccount; whitelisted addresses bypass it */
  readonly accountCreation: LimiterSwitch & { readonly perIpPerHour: number; readonly burst: number };
  /** per-account buckets at newOrder: one token per order, one per identifier; whitelisted addresses bypass them */
  readonly orderCreation: LimiterSwitch & {
    readonly ordersPerAccountPerHour: number;
    readonly orderBurst: number;
    readonly sanBudgetPerAccountPerHour: number;
  };
  /** non-revoked certificates per (account, identifier set) in a rolling window */
  readonly duplicateCertificate: LimiterSwitch & { readonly maxPerWindow: number; readonly windowMs: number };
  /** failed validations per (account, name) in a rolling window; wildcard and base apart */
  readonly failedValidation: LimiterSwitch & { readonly maxPerWindow: number; readonly windowMs: number };
  /** pending, unexpired authorizations per account */
  readonly pendingAuthorizations: LimiterSwitch & { readonly max: number };
  /** IPs and CIDRs (a bare address stands for its /32 or /128); empty by default */
  readonly whitelist: readonly Cidr[];
  /** per-address limits count an IPv6 client under its network of this many bits (default 64) */
  readonly ipv6PrefixLength: number;
}

/** Certeasy's own `acme` section: directory meta, object lifetimes, validation effort. */
export interface AcmeConfig {
  /** directory meta.termsOfService; when set, newAccount needs `termsOfServiceAgreed: true` (RFC 8555 §7.3) */
  readonly termsOfService: string | null;
  /** directory meta.website */
  readonly website: string | null;
  /** directory meta.caaIdentities (RFC 8555 §7.1.1, RFC 8659 §4.2), canonical, without duplicates */
  readonly caaIdentities: readonly string[];
  /** `required` also sets directory meta.externalAccountRequired (RFC 8555 §7.3.4) */
  readonly externalAccountBinding: "optional" | "required";
  /** a pending order's `expires` is this long after it was created (RFC 8555 §7.1.3) */
  readonly orderLifetimeMs: number;
  /** a pending authorization's `expires` is this long after it was created */
  readonly authorizationLifetimeMs: number;
  /** how long a valid authorization may be reused by a later order of the same account; 0: never */
  readonly validAuthorizationLifetimeMs: number;
  /** the embedded CA's leaf certificate lifetime */
  readonly certificateLifetimeMs: number;
  /** challenge validations running at once */
  readonly validationConcurrency: number;
  /** extra attempts on a connection or DNS failure before a challenge becomes invalid */
  readonly validationRetries: number;
  /** a request the CA holds for approval longer than this makes the order invalid */
  readonly pendingDeadlineMs: number;
  /** how often a request the CA holds for approval is polled (also the Retry-After of its processing order) */
  readonly pendingPollIntervalMs: number;
  /** how long failed attempts to tell a CA of a revocation are retried before being given up */
  readonly revocationPublishDeadlineMs: number;
}

/**
 * One `authorities` entry (behaviour reference §3.1–3.2). `policies` are authority-side issuance
 * policies: a CSR they refuse is routed to another authority of the binding (§3.3).
 */
export type AuthorityConfig =
  | {
      readonly name: string;
      readonly type: "local";
      readonly policies: readonly string[];
      readonly disableCaRevocation: boolean;
      /** encrypts the CA keys at rest: a file holding the password, or an environment variable */
      readonly keyPassword?: { readonly file: string } | { readonly env: string } | undefined;
      /** the operator's own issuing CA, used where it is instead of a generated one */
      readonly provided?: { readonly rootCertificateFile: string; readonly issuingCertificateFile: string; readonly issuingKeyFile: string } | undefined;
      /** `crl-shards`: how many CRLs the revocations are spread over; used when the CA first starts, then fixed (docs/authorities.md) */
      readonly crlShards?: number | undefined;
    }
  | {
      readonly name: string;
      readonly type: "adcs-cli";
      readonly policies: readonly string[];
      readonly disableCaRevocation: boolean;
      /** `HOST\CA Name`, as `certutil -CA` shows it */
      readonly caName: string;
      readonly certificateTemplate: string;
      /** absolute, or a bare program name looked up on PATH */
      readonly certreqPath: string;
      readonly certutilPath: string;
      /** the longest one certreq/certutil run may take */
      readonly defaultTimeoutMs: number;
    }
  | {
      readonly name: string;
      readonly type: "adcs-certsrv";
      readonly policies: readonly string[];
      readonly disableCaRevocation: boolean;
      /** the Web Enrollment site, https, ending with "/" (e.g. https://ca01.corp.example/certsrv/) */
      readonly url: string;
      readonly certificateTemplate: string;
      readonly auth: "basic" | "ntlm";
      /** `DOMAIN\user` or `user@domain` */
      readonly username: string;
      /** where the password is read from when the authority opens: never the config file itself */
      readonly password: { readonly kind: "file"; readonly path: string } | { readonly kind: "env"; readonly name: string };
      /** absolute path of the PEM CAs that vouch for the site's TLS certificate; null: the system's */
      readonly caBundle: string | null;
      /** the longest one exchange with the site may take */
      readonly defaultTimeoutMs: number;
    };

/** `policy-bindings` (behaviour reference §3.3): which authorities serve an issuance policy. */
export interface PolicyBindingConfig {
  readonly policy: string;
  /** in the order written: the failover order of `first_available` */
  readonly authorities: readonly string[];
  readonly strategy: "first_available" | "round_robin";
}

export interface CerteasyConfig {
  /** absolute path of the file this was loaded from */
  readonly file: string;
  /** absolute path of the node's working directory */
  readonly workdir: string;
  readonly server: ServerConfig;
  readonly database: DatabaseConfig;
  readonly logs: LogsConfig;
  readonly audit: AuditConfig;
  readonly workers: WorkersConfig;
  readonly lease: LeaseConfig;
  readonly acme: AcmeConfig;
  readonly renewalInfo: RenewalInfoConfig;
  readonly rateLimiting: RateLimitConfig;
  readonly license: LicenseConfig;
  /** never empty; one profile named `default` when the file has no such section */
  readonly dnsValidationProfiles: readonly ValidationProfile[];
  /**
   * never empty; in declaration order, which is the order newOrder tries them in (reference
   * §3.3); one policy named `default` allowing every name and address when the file has no
   * such section
   */
  readonly issuancePolicies: readonly IssuancePolicy[];
  /** never empty; the embedded CA alone, named `local`, when the file has no such section */
  readonly authorities: readonly AuthorityConfig[];
  /**
   * exactly one per issuance policy; with one authority and no section, every policy bound to
   * it with `first_available`
   */
  readonly policyBindings: readonly PolicyBindingConfig[];
  /** the server's own HTTPS certificates; one implicit pki bundle when the file has no such section */
  readonly tlsCertificateManager: TlsCertificateManagerConfig;
}

/** `tls-certificate-manager.bundles[].key` (behaviour reference §9, v0.9.3) */
export type ServerKeySpec =
  | { readonly type: "ecdsa"; readonly curve: "P-256" | "P-384" | "P-521" }
  | { readonly type: "rsa"; readonly size: number };

interface BundleCommon {
  readonly name: string;
  /** canonical host names (see tls/server-certificate-hosts.ts); never empty */
  readonly hosts: readonly string[];
}

/** One `tls-certificate-manager.bundles[]` entry: where one certificate of the server comes from. */
export type CertificateBundleConfig =
  | (BundleCommon & { readonly mode: "files"; readonly certFile: string; readonly keyFile: string })
  /** `authority: null`: the bootstrap root CA, as when the section is absent — or the embedded CA when it runs on operator-provided files */
  | (BundleCommon & { readonly mode: "pki"; readonly authority: string | null; readonly key: ServerKeySpec })
  | (BundleCommon & { readonly mode: "acme"; readonly key: ServerKeySpec });

/** The external ACME CA of `mode: acme` bundles (the product's `letsencrypt.*` keys map here). */
export interface ExternalAcmeConfig {
  readonly directoryUrl: string;
  readonly email: string | null;
  /** where the http-01 challenge listener binds (RFC 8555 §8.3) */
  readonly httpAddress: ListenAddress;
  /** PEM file of the CA to trust for the ACME server's HTTPS; `null`: the system store */
  readonly caBundleFile: string | null;
  /** account key and certificates */
  readonly cacheDir: string;
}

/** `tls-certificate-manager` (behaviour reference §9). */
export interface TlsCertificateManagerConfig {
  /** never empty; every `server.url` host is in exactly one */
  readonly bundles: readonly CertificateBundleConfig[];
  readonly renewBeforeMs: number;
  readonly fileWatchIntervalMs: number;
  readonly acquireTimeoutMs: number;
  readonly pkiPollIntervalMs: number;
  readonly localPkiCacheDir: string;
  /** `null` when no bundle uses mode acme */
  readonly acme: ExternalAcmeConfig | null;
}
