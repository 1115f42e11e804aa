/**
 * The `issuance-policies` section (behaviour reference §3.3–3.4): which identifiers each policy
 * allows, what a CSR under it may contain, the ACME profile it is offered under and the DNS
 * validation profile its challenges use. The rule grammar and the matching are in
 * src/domain/policy; this file checks the YAML and turns it into `IssuancePolicy` values. The
 * implicit policy of a file without the section is in defaults.ts.
 */
import { z } from "zod";
import { RSA_CEILING_BITS, RSA_FLOOR_BITS, type CsrSignatureAlgorithm, type EcCurve } from "../acme/csr/policy.js";
import { cancelledAllowRules, DNS_RULE_GRAMMAR, EXTRA_EKU_NAMES, extraEkuOid, parseDnsRule, type DnsRule, type IssuancePolicy } from "../domain/policy/index.js";
import { DEFAULTS } from "./defaults.js";
import { describeValue } from "./errors.js";
import { field, list, maybeField, oneOf, optionalField, parsedText, section } from "./fields.js";
import type { Check } from "./fields.js";
import { parseCidr } from "./network.js";

const ok = <T>(value: T): { readonly ok: true; readonly value: T } => ({ ok: true, value });

const POLICY_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;
/** The characters EAB keys accept for the profiles they allow (src/acme/eab/scope.ts). */
const ACME_PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const policyName: Check<string> = (value) =>
  typeof value === "string" && POLICY_NAME.test(value)
    ? ok(value)
    : `expected a policy name of lower-case letters, digits and "-", starting with a letter or digit, at most 64 characters, got ${describeValue(value)}`;

const dnsRule: Check<DnsRule> = (value) => {
  if (typeof value !== "string") return `expected ${DNS_RULE_GRAMMAR}, got ${describeValue(value)}`;
  const rule = parseDnsRule(value);
  return "reason" in rule ? `expected ${DNS_RULE_GRAMMAR}, got ${describeValue(value)} (${rule.reason})` : ok(rule);
};

const rsaBits: Check<number> = (value) =>
  typeof value === "number" && Number.isSafeInteger(value) && value >= RSA_FLOOR_BITS && value <= RSA_CEILING_BITS
    ? ok(value)
    : `expected a whole number of bits from ${RSA_FLOOR_BITS} (the floor) to ${RSA_CEILING_BITS} (larger RSA keys are always refused), got ${describeValue(value)}`;

const extraEku: Check<string> = (value) => {
  const expected = `expected ${EXTRA_EKU_NAMES.join(", ")} or a dotted OID such as 1.3.6.1.5.5.7.3.2`;
  if (typeof value !== "string") return `${expected}, got ${describeValue(value)}`;
  const eku = extraEkuOid(value);
  return "reason" in eku ? `${expected}, got ${describeValue(value)} (${eku.reason})` : ok(eku.oid);
};

const acmeProfileName: Check<string> = (value) =>
  typeof value === "string" && ACME_PROFILE_NAME.test(value)
    ? ok(value)
    : `expected a profile name of 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit, got ${describeValue(value)}`;

const text: Check<string> = (value) =>
  typeof value === "string" && value.trim() !== "" ? ok(value.trim()) : `expected a sentence describing the profile, got ${describeValue(value)}`;

const validationProfileName: Check<string> = (value) =>
  typeof value === "string" && value.trim() !== "" && value === value.trim()
    ? ok(value)
    : `expected the name of a dns-validation-profiles entry, got ${describeValue(value)}`;

const ALGORITHMS = ["RSA-SHA256", "RSA-SHA384", "RSA-SHA512", "ECDSA-SHA256", "ECDSA-SHA384", "ECDSA-SHA512", "ED25519"] as const satisfies readonly CsrSignatureAlgorithm[];
const CURVES = ["P-256", "P-384", "P-521"] as const satisfies readonly EcCurve[];

const dnsShape = {
  allow: list(field(dnsRule), "DNS rules", 1),
  deny: list(field(dnsRule), "DNS rules", 1).optional(),
};

const ipShape = {
  /** absent: the policy allows no `ip` identifier (RFC 8738) */
  allow: list(field(parsedText("a CIDR such as 10.0.0.0/8, or an IP address", parseCidr)), "CIDRs", 1).optional(),
};

const signatureShape = {
  // Reference §3.4: an empty list means the default set, so an empty value is read as absent.
  "allowed-algorithms": z.preprocess((value) => (value === null ? undefined : value), list(field(oneOf(ALGORITHMS)), "signature algorithms", 1).optional()),
  "min-rsa-bits": optionalField(rsaBits, DEFAULTS.issuancePolicy.csr.minRsaBits),
  "allowed-ec-curves": list(field(oneOf(CURVES)), "EC curves", 1).optional(),
};

const csrShape = {
  "allowed-extra-eku": list(field(extraEku), "extended key usages", 1).optional(),
};

const acmeProfileShape = {
  name: field(acmeProfileName),
  description: field(text),
};

const policyShape = {
  name: field(policyName),
  "dns-validation-profile": maybeField(validationProfileName),
  "acme-profile": section(acmeProfileShape).optional(),
  dns: section(dnsShape),
  ip: section(ipShape),
  signature: section(signatureShape),
  csr: section(csrShape),
};

const policySection = section(policyShape).superRefine((policy, ctx) => {
  // Reference §3.4: "a policy that can issue nothing is refused".
  const { allow, deny } = policy.dns;
  if (policy.ip.allow === undefined && cancelledAllowRules({ allow, deny: deny ?? [] }).length === allow.length) {
    ctx.addIssue({
      code: "custom",
      path: ["dns", "allow"],
      message: "expected at least one rule dns.deny does not cancel entirely, got only rules whose every name dns.deny denies (with no ip.allow either, the policy could issue nothing)",
    });
  }
});

/** A name used twice under `key` is refused at the second use, naming the first. */
function refuseDuplicates(names: readonly (string | undefined)[], key: readonly string[], what: string, ctx: z.RefinementCtx): void {
  const firstSeen = new Map<string, number>();
  names.forEach((name, index) => {
    if (name === undefined) return;
    const first = firstSeen.get(name);
    if (first === undefined) {
      firstSeen.set(name, index);
      return;
    }
    ctx.addIssue({
      code: "custom",
      path: [index, ...key],
      message: `expected a unique ${what}, got ${JSON.stringify(name)} again (first at issuance-policies.${first}.${key.join(".")})`,
    });
  });
}

export const issuancePolicies = list(policySection, "issuance policies", 1)
  .superRefine((policies, ctx) => {
    refuseDuplicates(policies.map((policy) => policy.name), ["name"], "policy name", ctx);
    refuseDuplicates(policies.map((policy) => policy["acme-profile"]?.name), ["acme-profile", "name"], "ACME profile name", ctx);
  })
  .optional();

type ParsedPolicies = z.output<typeof issuancePolicies>;

/**
 * Reference §3.4: a policy names an existing DNS validation profile, and must name one when
 * several exist (otherwise which resolver validates its challenges would be a guess).
 * `report` receives the path inside `issuance-policies`.
 */
export function checkValidationProfileNames(
  policies: ParsedPolicies,
  profileNames: readonly string[],
  report: (path: (string | number)[], message: string) => void,
): void {
  const known = profileNames.join(", ");
  (policies ?? []).forEach((policy, index) => {
    const named = policy["dns-validation-profile"];
    if (named === undefined && profileNames.length > 1) {
      report([index, "dns-validation-profile"], `expected one of ${known} (required when there are several DNS validation profiles), got nothing (the key is missing)`);
    } else if (named !== undefined && !profileNames.includes(named)) {
      report([index, "dns-validation-profile"], `expected the name of a dns-validation-profiles entry (${known}), got ${JSON.stringify(named)}`);
    }
  });
}

/** The typed policies; the implicit `default` one when the file has no section (never empty). */
export function normaliseIssuancePolicies(policies: ParsedPolicies, profileNames: readonly string[]): IssuancePolicy[] {
  const onlyProfile = profileNames.length === 1 ? (profileNames[0] ?? null) : null;
  if (policies === undefined) return [implicitPolicy(onlyProfile)];
  return policies.map((policy) => ({
    name: policy.name,
    dns: { allow: policy.dns.allow, deny: policy.dns.deny ?? [] },
    ipAllow: policy.ip.allow ?? [],
    csr: csrPolicy(policy.signature, policy.csr),
    acmeProfile: policy["acme-profile"] ?? null,
    dnsValidationProfile: policy["dns-validation-profile"] ?? onlyProfile,
  }));
}

const unique = <T>(items: readonly T[]): T[] => [...new Set(items)];

type ParsedPolicy = NonNullable<ParsedPolicies>[number];

function csrPolicy(signature: ParsedPolicy["signature"], csr: ParsedPolicy["csr"]): IssuancePolicy["csr"] {
  const defaults = DEFAULTS.issuancePolicy.csr;
  const allowedAlgorithms = unique(signature["allowed-algorithms"] ?? defaults.allowedAlgorithms);
  const curves = signature["allowed-ec-curves"];
  // Default curves only where an ECDSA algorithm can use them: an RSA-only policy then reads as
  // such, and a curve list that cannot take effect is one someone wrote (startup warns about it).
  const ecdsa = allowedAlgorithms.some((name) => name.startsWith("ECDSA-"));
  return {
    minRsaBits: signature["min-rsa-bits"],
    allowedEcCurves: curves !== undefined ? unique(curves) : ecdsa ? [...defaults.allowedEcCurves] : [],
    allowedAlgorithms,
    allowedExtraEkus: unique(csr["allowed-extra-eku"] ?? []),
  };
}

function implicitPolicy(dnsValidationProfile: string | null): IssuancePolicy {
  const fallback = DEFAULTS.issuancePolicy;
  const allow = fallback.dnsAllow.map((text) => {
    const rule = parseDnsRule(text);
    if ("reason" in rule) throw new TypeError(`default DNS rule ${text} does not parse: ${rule.reason}`);
    return rule;
  });
  return {
    name: fallback.name,
    dns: { allow, deny: [] },
    ipAllow: fallback.ipAllow,
    csr: { ...fallback.csr, allowedEcCurves: [...fallback.csr.allowedEcCurves], allowedAlgorithms: [...fallback.csr.allowedAlgorithms], allowedExtraEkus: [] },
    acmeProfile: null,
    dnsValidationProfile,
  };
}

/** The keys of each nesting level, for CONFIG_KEYS (`[]`: the items of a list). */
export const ISSUANCE_POLICY_KEYS = {
  "issuance-policies[]": Object.keys(policyShape),
  "issuance-policies[].dns": Object.keys(dnsShape),
  "issuance-policies[].ip": Object.keys(ipShape),
  "issuance-policies[].signature": Object.keys(signatureShape),
  "issuance-policies[].csr": Object.keys(csrShape),
  "issuance-policies[].acme-profile": Object.keys(acmeProfileShape),
} as const;
