/**
 * An issuance policy (behaviour reference §3.3–3.4): which identifiers it allows, what a CSR
 * under it may ask for, the ACME profile it is offered under and the DNS validation profile its
 * challenges use. The config loader builds them; order creation picks one and pins it (§2.2).
 * Pure.
 */
import type { CsrPolicy } from "../../acme/csr/policy.js";
import type { Cidr } from "../../config/network.js";
import { cidrContains } from "./cidr.js";
import { matchesDnsRule, type DnsRule } from "./dns-rule.js";

export interface IssuancePolicy {
  /** unique, `[a-z0-9][a-z0-9-]*`, at most 64 characters; never shown to ACME clients */
  readonly name: string;
  /** a name is allowed when an allow rule matches it and no deny rule does (deny wins) */
  readonly dns: { readonly allow: readonly DnsRule[]; readonly deny: readonly DnsRule[] };
  /** `ip` identifiers (RFC 8738) inside one of these; empty: no IP identifier is allowed */
  readonly ipAllow: readonly Cidr[];
  /** what a CSR finalized under this policy may contain (key, signature, extra EKUs) */
  readonly csr: CsrPolicy;
  /** draft-ietf-acme-profiles: the profile this policy is offered under in the directory */
  readonly acmeProfile: { readonly name: string; readonly description: string } | null;
  /**
   * the `dns-validation-profiles[].name` its challenges are validated with. The loader fills in
   * the only profile when the file names none; null only when several profiles exist and the
   * policy is the implicit one, so the validator keeps choosing by zone suffix.
   */
  readonly dnsValidationProfile: string | null;
}

/** An order identifier, canonical as order creation leaves it (RFC 8555 §7.1.3, RFC 8738). */
export interface PolicyIdentifier {
  readonly type: "dns" | "ip";
  readonly value: string;
}

export function policyAccepts(policy: IssuancePolicy, identifier: PolicyIdentifier): boolean {
  if (identifier.type === "ip") return policy.ipAllow.some((cidr) => cidrContains(cidr, identifier.value));
  const matches = (rule: DnsRule): boolean => matchesDnsRule(rule, identifier.value);
  return !policy.dns.deny.some(matches) && policy.dns.allow.some(matches);
}
