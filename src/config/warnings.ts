/**
 * Disabled or weakened security controls, one line each, printed at startup (behaviour
 * reference §4.1 and §10.1, since 0.9.4). A configuration can be valid and still leave a
 * control off; the operator should see that every time the server starts.
 */
import { BlockList } from "node:net";
import { policyWarnings } from "../domain/policy/index.js";
import type { Cidr, CerteasyConfig, ValidationProfile } from "./types.js";

/** `platform`: where the server runs (a parameter so both sides can be tested on one machine). */
export function configWarnings(config: CerteasyConfig, platform: NodeJS.Platform = process.platform): string[] {
  const warnings: string[] = [];
  const { audit, logs, server } = config;

  if (!audit.enabled) {
    warnings.push("audit.enabled is false: events are not mirrored to the tamper-evident audit file");
  }
  if (logs.level === "off") {
    warnings.push("logs.level is off: nothing is logged except services given their own level in logs.services");
  }
  if (server.remoteIpHeader !== null && server.trustedProxies.length === 0) {
    warnings.push(
      `server.remote-ip-header is ${server.remoteIpHeader} but server.trusted-proxies is empty: the header is ignored and clients are known by the connecting address`,
    );
  }
  for (const proxy of server.trustedProxies) {
    if (proxy.prefixLength === 0) {
      warnings.push(
        `server.trusted-proxies contains ${proxy.address}/0: every ${proxy.family === "ipv4" ? "IPv4" : "IPv6"} client can forge its address in ${server.remoteIpHeader ?? "the remote IP header"}`,
      );
    }
  }
  for (const profile of config.dnsValidationProfiles) {
    const reachable = SENSITIVE_ADDRESSES.filter(({ address }) => profileReaches(profile, address));
    if (reachable.length === 0) continue;
    warnings.push(
      `dns-validation-profiles "${profile.name}" lets challenge validation connect to ${reachable.map((a) => `${a.address} (${a.what})`).join(", ")}: an ACME client could make this server probe them`,
    );
  }
  for (const policy of config.issuancePolicies) warnings.push(...policyWarnings(policy));
  if (!config.license.offline || config.license.proxyUrl !== null) {
    warnings.push("license.offline and license.proxy-url change nothing: Certeasy never connects to a licensing backend (install licenses with `certeasy license install`)");
  }
  // Reference §4.1: a limiter switched off is a control switched off.
  for (const [key, limiter] of Object.entries(RATE_LIMITER_KEYS)) {
    if (!config.rateLimiting[limiter].enabled) warnings.push(`rate-limiting.${key}.enabled is false: that limit is not enforced`);
  }
  // Not refused: certreq-path/certutil-path may name stand-ins (tests use fake programs), but a
  // real ADCS can only be reached from Windows (behaviour reference §3.1).
  if (platform !== "win32") {
    for (const authority of config.authorities) {
      if (authority.type !== "adcs-cli") continue;
      warnings.push(
        `authorities "${authority.name}" is of type adcs-cli but this server runs on ${platform}: certreq.exe and certutil.exe exist only on Windows`,
      );
    }
  }
  // Web Enrollment has no revocation operation (adcs.md §6): not an error, but an operator who
  // relies on the CA's CRL must know it stays silent.
  for (const authority of config.authorities) {
    if (authority.type !== "adcs-certsrv" || authority.disableCaRevocation) continue;
    warnings.push(
      `authorities "${authority.name}" is of type adcs-certsrv: ADCS Web Enrollment cannot revoke, so revocations are recorded in Certeasy only and must be repeated on the CA (certutil -revoke); set disable-ca-revocation: true to acknowledge`,
    );
  }
  return warnings;
}

/** The file's limiter keys and their names in RateLimitConfig. */
const RATE_LIMITER_KEYS = {
  global: "global",
  abuse: "abuse",
  "account-creation": "accountCreation",
  "order-creation": "orderCreation",
  "duplicate-certificate": "duplicateCertificate",
  "failed-validation": "failedValidation",
  "pending-authorizations": "pendingAuthorizations",
} as const satisfies Record<string, Exclude<keyof CerteasyConfig["rateLimiting"], "whitelist">>;

/**
 * Addresses a challenge validation should never be pointed at (behaviour reference §3.4): a
 * client controls what its name resolves to, so an allowed address is one it can make the
 * server send requests to.
 */
const SENSITIVE_ADDRESSES = [
  { address: "127.0.0.1", what: "loopback" },
  { address: "::1", what: "loopback" },
  { address: "169.254.169.254", what: "cloud metadata" },
  { address: "fd00:ec2::254", what: "cloud metadata" },
] as const;

/** The profile's rule: denied first, then it must be allowed. */
function profileReaches(profile: ValidationProfile, address: string): boolean {
  const family = address.includes(":") ? "ipv6" : "ipv4";
  return !blockList(profile.denyCidrs).check(address, family) && blockList(profile.allowCidrs).check(address, family);
}

function blockList(cidrs: readonly Cidr[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) list.addSubnet(cidr.address, cidr.prefixLength, cidr.family);
  return list;
}
