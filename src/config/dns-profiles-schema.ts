/**
 * The `dns-validation-profiles` section (behaviour reference §3.4): how the challenge
 * validators resolve names and which resolved addresses they may connect to. Each profile
 * becomes a `ValidationProfile` in normalise.ts; the defaults for an absent section are in
 * defaults.ts.
 */
import { z } from "zod";
import { canonicalDomainName } from "./domain-name.js";
import { DEFAULTS } from "./defaults.js";
import { describeValue } from "./errors.js";
import { bool, duration, field, list, maybeField, oneOf, optionalField, parsedText, portNumber, section } from "./fields.js";
import type { Check } from "./fields.js";
import { parseCidr, parseDnsServer } from "./network.js";

const ok = <T>(value: T): { readonly ok: true; readonly value: T } => ({ ok: true, value });

/** Profiles are named from elsewhere in the file (issuance policies), so a name is plain text. */
const profileName: Check<string> = (value) =>
  typeof value === "string" && value.trim() !== "" && value === value.trim()
    ? ok(value)
    : `expected a profile name such as default or internal (text without leading or trailing spaces), got ${describeValue(value)}`;

/** The product documents `remote` (validation by a remote agent) but never implemented it. */
const mode: Check<"local"> = (value) => {
  if (value === "local") return ok("local");
  if (value === "remote") return 'mode "remote" is not implemented: validation always runs on this node; use mode: local';
  return `expected local, got ${describeValue(value)}`;
};

/**
 * A zone suffix, canonicalised like order identifiers so the validator compares plain text.
 * "." is the root zone, every name; it is written out rather than left empty so that a
 * forgotten value (`- ""`) is an error, not a catch-all. The root becomes "" in the output.
 */
const zoneSuffix: Check<string> = (value) => {
  if (typeof value === "string" && value.trim() === ".") return ok("");
  const name = typeof value === "string" ? canonicalDomainName(value.trim()) : undefined;
  return name !== undefined
    ? ok(name)
    : `expected a zone name such as corp.example.com (no leading dot, no wildcard), or "." for every name, got ${describeValue(value)}`;
};

const DNS_SERVER_EXPECTED = "an IP address with an optional port such as 10.0.0.53, 10.0.0.53:5353 or [2001:db8::53]:53";

/**
 * `dns-server` was a single string in the product's older examples and a list in newer ones
 * (behaviour reference §3.4); both are read, each item checked at its own key path.
 */
const dnsServers = z.unknown().transform((value, ctx): string[] => {
  const items = typeof value === "string" ? [value] : value;
  if (!Array.isArray(items)) {
    ctx.addIssue({ code: "custom", message: `expected ${DNS_SERVER_EXPECTED}, or a list of them, got ${describeValue(value)}` });
    return z.NEVER;
  }
  const servers: string[] = [];
  items.forEach((item: unknown, index) => {
    const server = typeof item === "string" ? parseDnsServer(item.trim()) : undefined;
    if (server !== undefined) servers.push(server);
    else ctx.addIssue({ code: "custom", path: typeof value === "string" ? [] : [index], message: `expected ${DNS_SERVER_EXPECTED}, got ${describeValue(item)}` });
  });
  return servers;
});

/** `true` would promise a check the validator does not make, so it is refused, not ignored. */
function notSupportedYet(what: string): Check<false> {
  return (value) => {
    if (value === false) return ok(false);
    if (value === true) return `true is not supported yet: the validator cannot ${what}; remove the key or set it to false`;
    return `expected false (true is not supported yet), got ${describeValue(value)}`;
  };
}

const zoneShape = {
  suffixes: list(field(zoneSuffix), 'zone names (or "." for every name)', 1),
  system: maybeField(bool),
  "dns-server": dnsServers.optional(),
  authoritative: optionalField(notSupportedYet("require authoritative answers"), false),
  dnssec: optionalField(notSupportedYet("check DNSSEC signatures"), false),
  // udp: UDP, then TCP only when the answer is truncated; tcp: TCP only (reference §3.4)
  protocol: optionalField(oneOf(["udp", "tcp"]), "udp"),
};

const zoneSection = section(zoneShape).superRefine((zone, ctx) => {
  // dns-server replaces the system resolver: saying both would leave one of them unused.
  if (zone["dns-server"] !== undefined && zone.system === true) {
    ctx.addIssue({ code: "custom", path: ["system"], message: "expected no system: true with dns-server (the listed servers replace the system resolver), got true" });
  }
  if (zone["dns-server"] === undefined && zone.system === false) {
    ctx.addIssue({ code: "custom", path: ["system"], message: "expected dns-server when system is false (the zone needs a resolver), got no dns-server" });
  }
});

const cidrList = list(field(parsedText("a CIDR such as 10.0.0.0/8, or an IP address", parseCidr)), "CIDRs", 1).optional();

const ipPolicyShape = {
  "allow-cidrs": cidrList,
  // checked first (reference §2.2)
  "deny-cidrs": cidrList,
};

const portsShape = {
  "http-01": optionalField(portNumber, DEFAULTS.dnsValidation.ports.http01),
  "tls-alpn-01": optionalField(portNumber, DEFAULTS.dnsValidation.ports.tlsAlpn01),
};

const profileShape = {
  name: field(profileName),
  mode: optionalField(mode, "local"),
  timeout: optionalField(
    duration({ allowZero: false, zeroReason: "an explicit 0 is refused: it would remove the deadline" }),
    DEFAULTS.dnsValidation.timeoutMs,
  ),
  /** absent: the system resolver answers for every name */
  zones: list(zoneSection, "resolver zones", 1).optional(),
  "resolved-ip-policy": section(ipPolicyShape),
  ports: section(portsShape),
};

const ALLOW_EVERYTHING_HINT =
  "to allow every address on purpose, write allow-cidrs with the items - 0.0.0.0/0 and - ::/0";

const profileSection = section(profileShape).superRefine((profile, ctx) => {
  // Since 0.9.4 (reference §3.4): with neither list every address would be reachable, the
  // cloud metadata service 169.254.169.254 included, so the profile is refused.
  const policy = profile["resolved-ip-policy"];
  if (policy["allow-cidrs"] === undefined && policy["deny-cidrs"] === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["resolved-ip-policy"],
      message: `expected allow-cidrs, deny-cidrs or both (with neither, validation could reach any address, 169.254.169.254 included); ${ALLOW_EVERYTHING_HINT}`,
    });
  }
  // The longest matching suffix picks the zone: a suffix listed twice would make that ambiguous.
  const firstSeen = new Map<string, string>();
  (profile.zones ?? []).forEach((zone, zoneIndex) => {
    zone.suffixes.forEach((suffix, suffixIndex) => {
      const written = suffix === "" ? "." : suffix;
      const first = firstSeen.get(suffix);
      if (first === undefined) {
        firstSeen.set(suffix, `zones.${zoneIndex}.suffixes.${suffixIndex}`);
        return;
      }
      ctx.addIssue({
        code: "custom",
        path: ["zones", zoneIndex, "suffixes", suffixIndex],
        message: `expected each zone suffix once per profile, got ${JSON.stringify(written)} again (first at ${first})`,
      });
    });
  });
});

export const dnsValidationProfiles = list(profileSection, "DNS validation profiles", 1)
  .superRefine((profiles, ctx) => {
    const firstSeen = new Map<string, number>();
    profiles.forEach((profile, index) => {
      const first = firstSeen.get(profile.name);
      if (first === undefined) {
        firstSeen.set(profile.name, index);
        return;
      }
      ctx.addIssue({
        code: "custom",
        path: [index, "name"],
        message: `expected a unique profile name, got ${JSON.stringify(profile.name)} again (first at dns-validation-profiles.${first})`,
      });
    });
  })
  .optional();

/** The keys of each nesting level, for CONFIG_KEYS (`[]`: the items of a list). */
export const DNS_PROFILE_KEYS = {
  "dns-validation-profiles[]": Object.keys(profileShape),
  "dns-validation-profiles[].zones[]": Object.keys(zoneShape),
  "dns-validation-profiles[].resolved-ip-policy": Object.keys(ipPolicyShape),
  "dns-validation-profiles[].ports": Object.keys(portsShape),
} as const;
