/** Issuance policies (behaviour reference §3.3–3.4): DNS rules, IP ranges, policy choice at newOrder. Pure. */
export { cancelledAllowRules, type DnsRules } from "./cancelled-rules.js";
export { choosePolicy, offeredProfiles, type PolicyChoice } from "./choose-policy.js";
export { cidrContains } from "./cidr.js";
export { DNS_RULE_GRAMMAR, MAX_RULE_DEPTH, matchesDnsRule, parseDnsRule, type DnsRule } from "./dns-rule.js";
export { ANY_PURPOSE_OID, EXTRA_EKU_NAMES, extraEkuOid } from "./extra-eku.js";
export { policyAccepts, type IssuancePolicy, type PolicyIdentifier } from "./issuance-policy.js";
export { policyWarnings } from "./policy-warnings.js";
