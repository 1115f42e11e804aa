/** The configuration loader's public surface. */
export { loadConfig, parseConfigText } from "./load.js";
export { ConfigError, renderIssue } from "./errors.js";
export type { ConfigIssue } from "./errors.js";
export { configWarnings } from "./warnings.js";
export { DEFAULTS } from "./defaults.js";
export { parseDuration, formatDuration } from "./duration.js";
export type {
  AcmeConfig,
  AuditConfig,
  AuthorityConfig,
  CertificateBundleConfig,
  ExternalAcmeConfig,
  ServerKeySpec,
  TlsCertificateManagerConfig,
  CerteasyConfig,
  Cidr,
  DatabaseConfig,
  DatabaseDriver,
  DnsRule,
  IssuancePolicy,
  LicenseConfig,
  LicenseKeySource,
  ListenAddress,
  LogLevel,
  LogOutput,
  LogsConfig,
  NetworkDatabaseConfig,
  PolicyBindingConfig,
  RateLimitConfig,
  RenewalInfoConfig,
  ResolverZone,
  ServerConfig,
  SqliteDatabaseConfig,
  ValidationProfile,
  WorkersConfig,
  LeaseConfig,
} from "./types.js";
