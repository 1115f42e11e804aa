/**
 * The config file schema of this step, written in the file's own kebab-case keys (behaviour
 * reference §4). Every mapping is strict, so an unknown key fails startup instead of being
 * ignored. Defaults that depend on other keys (the database driver, `%WORKDIR%`) are applied in
 * normalise.ts; the rest are applied here.
 */
import { z } from "zod";
import { DEFAULTS } from "./defaults.js";
import { describeValue } from "./errors.js";
import {
  anchoredPath,
  bool,
  duration,
  field,
  list,
  maybeField,
  oneOf,
  optionalField,
  parsedText,
  section,
  wholeNumber,
} from "./fields.js";
import type { Check } from "./fields.js";
import { formatDuration } from "./duration.js";
import { acmeShape, checkPendingPoll } from "./acme-schema.js";
import { AUTHORITY_KEYS, authorities, checkAuthoritiesAndBindings, policyBindings } from "./authorities-schema.js";
import { DNS_PROFILE_KEYS, dnsValidationProfiles } from "./dns-profiles-schema.js";
import { checkValidationProfileNames, ISSUANCE_POLICY_KEYS, issuancePolicies } from "./issuance-policies-schema.js";
import { licenseShape } from "./license-schema.js";
import { checkLogOutput, logsShape } from "./logs-schema.js";
import { isHeaderName, parseCidr, parseHttpsUrl, parseListenAddress } from "./network.js";
import { RATE_LIMITING_KEYS, rateLimitingShape } from "./rate-limiting-schema.js";
import { renewalInfoShape } from "./renewal-info-schema.js";
import { refuseSqliteStandbyOnShare } from "./lease-topology.js";
import { checkCertificateBundles } from "./tls-certificate-manager-normalise.js";
import { TLS_CERTIFICATE_MANAGER_KEYS, tlsCertificateManager } from "./tls-certificate-manager-schema.js";

const NO_DEADLINE = "an explicit 0 is refused: it would remove the deadline";
const timeout = (fallback: number) =>
  optionalField(duration({ allowZero: false, zeroReason: NO_DEADLINE }), fallback);

const httpsUrl: Check<URL> = (value) => {
  const expected = "expected an https URL such as https://acme.example.com/";
  if (typeof value !== "string") return `${expected}, got ${describeValue(value)}`;
  const url = parseHttpsUrl(value.trim());
  return typeof url === "string" ? `${expected}, got ${url}` : { ok: true, value: url };
};

const serverShape = {
  url: list(field(httpsUrl), "https URLs", 1),
  listen: optionalField(parsedText("host:port", parseListenAddress), DEFAULTS.server.listen),
  "read-header-timeout": timeout(DEFAULTS.server.readHeaderTimeoutMs),
  "read-timeout": timeout(DEFAULTS.server.readTimeoutMs),
  "write-timeout": timeout(DEFAULTS.server.writeTimeoutMs),
  "idle-timeout": timeout(DEFAULTS.server.idleTimeoutMs),
  "max-body-bytes": optionalField(
    wholeNumber("bytes", 1, "an explicit 0 is refused: it would remove the request size limit"),
    DEFAULTS.server.maxBodyBytes,
  ),
  "shutdown-timeout": timeout(DEFAULTS.server.shutdownTimeoutMs),
  "remote-ip-header": maybeField(
    parsedText("an HTTP header name such as X-Forwarded-For", (h) => (isHeaderName(h) ? h : undefined)),
  ),
  "trusted-proxies": list(field(parsedText("a CIDR such as 10.0.0.0/8, or an IP address", parseCidr)), "CIDRs", 1).optional(),
};

/**
 * No environment-variable expansion (behaviour reference §4.1): `init` writes
 * `${POSTGRES_PASSWORD}` as a placeholder for the user to replace, so one left in is a mistake.
 * The DSN is never echoed back: it usually holds a password.
 */
const dsn: Check<string> = (value) => {
  if (typeof value !== "string" || value.trim() === "") {
    return `expected a connection string, got ${typeof value === "string" ? "an empty string" : describeValue(value)}`;
  }
  if (/\$\{[^}]*\}/.test(value)) {
    return "expected a connection string with its values written out (Certeasy does not expand environment variables), got a ${...} placeholder";
  }
  return { ok: true, value };
};

const DRIVERS = ["sqlite", "postgres", "sqlserver"] as const;

const databaseShape = {
  driver: optionalField(oneOf(DRIVERS), DEFAULTS.database.driver),
  path: maybeField(anchoredPath("%WORKDIR%")),
  dsn: maybeField(dsn),
  "ping-timeout-sec": optionalField(wholeNumber("seconds", 1), DEFAULTS.database.pingTimeoutSec),
  "max-conn": optionalField(wholeNumber("connections", 1), DEFAULTS.database.maxConn),
  "max-idle-conn": maybeField(wholeNumber("connections", 0)),
  "conn-max-lifetime": maybeField(duration({ allowZero: true })),
  "conn-max-idle-time": maybeField(duration({ allowZero: true })),
  noddl: optionalField(bool, DEFAULTS.database.noDdl),
};

const databaseSection = section(databaseShape).superRefine((db, ctx) => {
  // A key that would have no effect under the chosen driver is refused, so the file never
  // claims something the server does not do (e.g. a DSN while the data goes to SQLite).
  if (db.driver === "sqlite") {
    if (db.dsn !== undefined) {
      ctx.addIssue({ code: "custom", path: ["dsn"], message: "expected no dsn with driver sqlite (use database.path), got a dsn" });
    }
    return;
  }
  if (db.dsn === undefined) {
    ctx.addIssue({ code: "custom", path: ["dsn"], message: `expected a connection string for driver ${db.driver}, got nothing (the key is missing)` });
  }
  if (db.path !== undefined) {
    ctx.addIssue({ code: "custom", path: ["path"], message: `expected no path with driver ${db.driver} (path is for sqlite), got ${describeValue(db.path)}` });
  }
});

const auditPath: Check<string> = (value) =>
  // `path: ""` is how the product writes "the default" (behaviour reference §4.3).
  value === "" ? { ok: true, value: DEFAULTS.audit.path } : anchoredPath("%WORKDIR%")(value);

const auditShape = {
  enabled: optionalField(bool, DEFAULTS.audit.enabled),
  path: optionalField(auditPath, DEFAULTS.audit.path),
};

const workersShape = {
  "drain-timeout": optionalField(
    duration({ allowZero: false, zeroReason: "an explicit 0 is refused: claimed jobs would be abandoned at once" }),
    DEFAULTS.workers.drainTimeoutMs,
  ),
};

/** Both non-zero: a zero TTL would free the lease at once, a zero interval would spin. */
const leaseShape = {
  ttl: optionalField(duration({ allowZero: false, zeroReason: "an explicit 0 is refused: the lease would expire as it is taken" }), DEFAULTS.lease.ttlMs),
  "renew-interval": optionalField(
    duration({ allowZero: false, zeroReason: "an explicit 0 is refused: the lease would be renewed in a busy loop" }),
    DEFAULTS.lease.renewIntervalMs,
  ),
  standby: optionalField(bool, DEFAULTS.lease.standby),
};

const rootShape = {
  workdir: field(anchoredPath("%CONFIGDIR%")),
  server: section(serverShape),
  database: databaseSection,
  logs: section(logsShape).superRefine(checkLogOutput),
  audit: section(auditShape),
  workers: section(workersShape),
  lease: section(leaseShape),
  acme: section(acmeShape).superRefine(checkPendingPoll),
  "renewal-info": section(renewalInfoShape),
  "rate-limiting": section(rateLimitingShape),
  license: section(licenseShape),
  "dns-validation-profiles": dnsValidationProfiles,
  "issuance-policies": issuancePolicies,
  authorities,
  "policy-bindings": policyBindings,
  "tls-certificate-manager": tlsCertificateManager.optional(),
};

/**
 * The keys each section accepts ("" = top level; a `[]` segment stands for the items of a
 * list), e.g. to check the example file documents all.
 */
export const CONFIG_KEYS: Readonly<Record<string, readonly string[]>> = {
  "": Object.keys(rootShape),
  server: Object.keys(serverShape),
  database: Object.keys(databaseShape),
  logs: Object.keys(logsShape),
  audit: Object.keys(auditShape),
  workers: Object.keys(workersShape),
  lease: Object.keys(leaseShape),
  acme: Object.keys(acmeShape),
  "renewal-info": Object.keys(renewalInfoShape),
  license: Object.keys(licenseShape),
  ...RATE_LIMITING_KEYS,
  ...DNS_PROFILE_KEYS,
  ...ISSUANCE_POLICY_KEYS,
  ...AUTHORITY_KEYS,
  ...TLS_CERTIFICATE_MANAGER_KEYS,
};

export const configSchema = section(rootShape).superRefine((config, ctx) => {
  // Behaviour reference §11.4: in-flight requests must finish inside the job drain, otherwise
  // the audit log and database could close under a request that is still writing.
  const shutdown = config.server["shutdown-timeout"];
  const drain = config.workers["drain-timeout"];
  if (shutdown > drain) {
    ctx.addIssue({
      code: "custom",
      path: ["server", "shutdown-timeout"],
      message: `expected at most workers.drain-timeout (${formatDuration(drain)}), got ${formatDuration(shutdown)}`,
    });
  }
  // Two renewals must fit in one TTL, so one lost to a slow database does not lose the lease.
  const ttl = config.lease.ttl;
  const renewInterval = config.lease["renew-interval"];
  if (renewInterval * 2 >= ttl) {
    ctx.addIssue({
      code: "custom",
      path: ["lease", "renew-interval"],
      message: `expected less than half of lease.ttl (${formatDuration(ttl)}), got ${formatDuration(renewInterval)}`,
    });
  }
  refuseSqliteStandbyOnShare(config, ctx);
  // The headers are part of the request: node refuses a header deadline past the request's.
  const readHeader = config.server["read-header-timeout"];
  const read = config.server["read-timeout"];
  if (readHeader > read) {
    ctx.addIssue({
      code: "custom",
      path: ["server", "read-header-timeout"],
      message: `expected at most server.read-timeout (${formatDuration(read)}), got ${formatDuration(readHeader)}`,
    });
  }
  const profileNames = config["dns-validation-profiles"]?.map((profile) => profile.name) ?? [DEFAULTS.dnsValidation.profileName];
  checkValidationProfileNames(config["issuance-policies"], profileNames, (path, message) =>
    ctx.addIssue({ code: "custom", path: ["issuance-policies", ...path], message }),
  );
  checkAuthoritiesAndBindings(config.authorities, config["policy-bindings"], issuancePolicyNames(config), (path, message) =>
    ctx.addIssue({ code: "custom", path, message }),
  );
  checkCertificateBundles(config["tls-certificate-manager"], config.server.url, authorityNames(config), (path, message) =>
    ctx.addIssue({ code: "custom", path, message }),
  );
});

/** The authorities after defaults: the embedded CA alone when the section is absent. */
export function authorityNames(config: Pick<ParsedConfig, "authorities">): string[] {
  return config.authorities?.map((authority) => authority.name) ?? [DEFAULTS.authority.name];
}

/** The issuance policies after defaults: the implicit `default` one when the section is absent. */
export function issuancePolicyNames(config: Pick<ParsedConfig, "issuance-policies">): string[] {
  return config["issuance-policies"]?.map((policy) => policy.name) ?? [DEFAULTS.issuancePolicy.name];
}

export type ParsedConfig = z.output<typeof configSchema>;

/**
 * Keys of later Certeasy steps, by the section that holds them ("" = top level). They are
 * refused like any unknown key, but with a message saying why, so a user bringing a complete
 * product config knows the key is understood and simply not there yet.
 */
export const NOT_YET_SUPPORTED: Readonly<Record<string, readonly string[]>> = {
  logs: ["rotate"],
  audit: ["rotate"],
  workers: ["worker-id", "workers", "lease", "idle-min", "idle-max", "base-backoff", "max-backoff", "queue-size", "max-job-duration"],
};
