/**
 * The one conversion from the validated YAML shape (kebab-case, anchors unresolved) to
 * `CerteasyConfig`. Pure: the config file's absolute path is the only outside input, and it is
 * what `%CONFIGDIR%` stands for.
 */
import { dirname } from "node:path";
import type { ServiceName } from "../log/services.js";
import { normaliseAuthorities } from "./authorities-schema.js";
import { DEFAULTS } from "./defaults.js";
import { normaliseIssuancePolicies } from "./issuance-policies-schema.js";
import { normaliseLicense } from "./license-schema.js";
import { resolveAnchoredPath } from "./paths.js";
import { normaliseRateLimiting } from "./rate-limiting-schema.js";
import { authorityNames, issuancePolicyNames } from "./schema.js";
import { normaliseTlsCertificateManager } from "./tls-certificate-manager-normalise.js";
import type { ParsedConfig } from "./schema.js";
import type { AcmeConfig, CerteasyConfig, DatabaseConfig, LogLevel, LogOutput, LogsConfig, ValidationProfile } from "./types.js";

export function normaliseConfig(parsed: ParsedConfig, configFile: string): CerteasyConfig {
  const workdir = resolveAnchoredPath(parsed.workdir, "%CONFIGDIR%", dirname(configFile));
  const inWorkdir = (path: string): string => resolveAnchoredPath(path, "%WORKDIR%", workdir);
  const { server, audit, workers, acme } = parsed;
  const renewalInfo = parsed["renewal-info"];

  return {
    file: configFile,
    workdir,
    server: {
      urls: server.url,
      listen: server.listen,
      readHeaderTimeoutMs: server["read-header-timeout"],
      readTimeoutMs: server["read-timeout"],
      writeTimeoutMs: server["write-timeout"],
      idleTimeoutMs: server["idle-timeout"],
      maxBodyBytes: server["max-body-bytes"],
      shutdownTimeoutMs: server["shutdown-timeout"],
      remoteIpHeader: server["remote-ip-header"] ?? null,
      trustedProxies: server["trusted-proxies"] ?? [],
    },
    database: normaliseDatabase(parsed.database, inWorkdir),
    logs: normaliseLogs(parsed.logs, inWorkdir),
    audit: { enabled: audit.enabled, path: inWorkdir(audit.path) },
    workers: { drainTimeoutMs: workers["drain-timeout"] },
    lease: { ttlMs: parsed.lease.ttl, renewIntervalMs: parsed.lease["renew-interval"], standby: parsed.lease.standby },
    acme: normaliseAcme(acme),
    renewalInfo: {
      lifetimeFraction: renewalInfo["lifetime-fraction"],
      windowWidthMs: renewalInfo["window-width"],
      retryAfterMs: renewalInfo["retry-after"],
    },
    rateLimiting: normaliseRateLimiting(parsed["rate-limiting"]),
    license: normaliseLicense(parsed.license, inWorkdir),
    dnsValidationProfiles: normaliseProfiles(parsed["dns-validation-profiles"]),
    issuancePolicies: normaliseIssuancePolicies(
      parsed["issuance-policies"],
      parsed["dns-validation-profiles"]?.map((profile) => profile.name) ?? [DEFAULTS.dnsValidation.profileName],
    ),
    ...normaliseAuthorities(parsed.authorities, parsed["policy-bindings"], issuancePolicyNames(parsed), inWorkdir),
    tlsCertificateManager: normaliseTlsCertificateManager(parsed["tls-certificate-manager"], server.url, authorityNames(parsed), inWorkdir),
  };
}

function normaliseAcme(acme: ParsedConfig["acme"]): AcmeConfig {
  return {
    termsOfService: acme["terms-of-service"],
    website: acme.website,
    // Canonical names compare as text, so duplicates are dropped, not refused.
    caaIdentities: [...new Set(acme["caa-identities"] ?? [])],
    externalAccountBinding: acme["external-account-binding"],
    orderLifetimeMs: acme["order-lifetime"],
    authorizationLifetimeMs: acme["authorization-lifetime"],
    validAuthorizationLifetimeMs: acme["valid-authorization-lifetime"],
    certificateLifetimeMs: acme["certificate-lifetime"],
    validationConcurrency: acme["validation-concurrency"],
    validationRetries: acme["validation-retries"],
    pendingDeadlineMs: acme["pending-deadline"],
    pendingPollIntervalMs: acme["pending-poll-interval"],
    revocationPublishDeadlineMs: acme["revocation-publish-deadline"],
  };
}

/** "" is the root zone: the system resolver answers for every name. */
const SYSTEM_RESOLVER_EVERYWHERE = { suffixes: [""], dnsServers: [], protocol: "udp" } as const;

function normaliseProfiles(profiles: ParsedConfig["dns-validation-profiles"]): ValidationProfile[] {
  const fallback = DEFAULTS.dnsValidation;
  if (profiles === undefined) {
    return [
      {
        name: fallback.profileName,
        timeoutMs: fallback.timeoutMs,
        zones: [SYSTEM_RESOLVER_EVERYWHERE],
        allowCidrs: fallback.allowCidrs,
        denyCidrs: fallback.denyCidrs,
        ports: fallback.ports,
      },
    ];
  }
  return profiles.map((profile) => {
    const policy = profile["resolved-ip-policy"];
    return {
      name: profile.name,
      timeoutMs: profile.timeout,
      zones:
        profile.zones?.map((zone) => ({ suffixes: zone.suffixes, dnsServers: zone["dns-server"] ?? [], protocol: zone.protocol })) ??
        [SYSTEM_RESOLVER_EVERYWHERE],
      // A deny list alone means "everything but these" (the schema refused a profile with neither).
      allowCidrs: policy["allow-cidrs"] ?? fallback.allowCidrs,
      denyCidrs: policy["deny-cidrs"] ?? [],
      ports: { http01: profile.ports["http-01"], tlsAlpn01: profile.ports["tls-alpn-01"] },
    };
  });
}

/** `0` in the file means "disabled", which the typed config spells `null`. */
const zeroAsNull = (ms: number): number | null => (ms === 0 ? null : ms);

function normaliseDatabase(db: ParsedConfig["database"], inWorkdir: (path: string) => string): DatabaseConfig {
  const sqlite = db.driver === "sqlite";
  const lifetime = db["conn-max-lifetime"];
  const idleTime = db["conn-max-idle-time"];
  const maxIdle = db["max-idle-conn"] ?? (sqlite ? DEFAULTS.database.maxIdleConn.sqlite : DEFAULTS.database.maxIdleConn.network);
  const pool = {
    pingTimeoutMs: db["ping-timeout-sec"] * 1_000,
    maxConn: db["max-conn"],
    // Capped like Go's database/sql does, so configs that ran on the product keep running.
    maxIdleConn: Math.min(maxIdle, db["max-conn"]),
    // SQLite connections are local files: nothing to recycle unless the user asks for it.
    connMaxLifetimeMs: lifetime !== undefined ? zeroAsNull(lifetime) : sqlite ? null : DEFAULTS.database.connMaxLifetimeMs,
    connMaxIdleTimeMs: idleTime !== undefined ? zeroAsNull(idleTime) : sqlite ? null : DEFAULTS.database.connMaxIdleTimeMs,
    noDdl: db.noddl,
  };
  if (db.driver === "sqlite") {
    return { driver: "sqlite", path: inWorkdir(db.path ?? DEFAULTS.database.sqlitePath), ...pool };
  }
  // The schema has already refused a postgres/sqlserver section without a dsn.
  if (db.dsn === undefined) throw new TypeError(`database.dsn missing for ${db.driver} after validation`);
  return { driver: db.driver, dsn: db.dsn, ...pool };
}

const level = (value: ParsedConfig["logs"]["level"]): LogLevel => (value === "none" ? "off" : value);

function normaliseLogs(logs: ParsedConfig["logs"], inWorkdir: (path: string) => string): LogsConfig {
  let output: LogOutput;
  if (logs.output === "file") {
    if (logs.file === undefined) throw new TypeError("logs.file missing for output file after validation");
    output = { kind: "file", path: inWorkdir(logs.file) };
  } else {
    output = { kind: logs.output };
  }
  const services: Partial<Record<ServiceName, LogLevel>> = {};
  for (const [name, value] of Object.entries(logs.services ?? {})) {
    services[name as ServiceName] = level(value);
  }
  return { level: level(logs.level), format: logs.format, output, services, tags: { ...(logs.tags ?? {}) } };
}
