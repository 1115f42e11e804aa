/** Issuance policies for the selection tests, written with the config's own rule grammar. */
import { DEFAULT_CSR_POLICY } from "../../../src/acme/csr/policy.js";
import { parseCidr } from "../../../src/config/network.js";
import { parseDnsRule, type DnsRule, type IssuancePolicy } from "../../../src/domain/policy/index.js";

function rules(texts: readonly string[]): DnsRule[] {
  return texts.map((text) => {
    const rule = parseDnsRule(text);
    if ("reason" in rule) throw new Error(`${text}: ${rule.reason}`);
    return rule;
  });
}

export function policy(
  name: string,
  options: { allow: readonly string[]; deny?: readonly string[]; ip?: readonly string[]; profile?: string; csr?: Partial<IssuancePolicy["csr"]> },
): IssuancePolicy {
  return {
    name,
    dns: { allow: rules(options.allow), deny: rules(options.deny ?? []) },
    ipAllow: (options.ip ?? []).map((text) => {
      const cidr = parseCidr(text);
      if (cidr === undefined) throw new Error(`not a CIDR: ${text}`);
      return cidr;
    }),
    csr: { ...DEFAULT_CSR_POLICY, ...options.csr },
    acmeProfile: options.profile === undefined ? null : { name: options.profile, description: `${options.profile} certificates` },
    dnsValidationProfile: null,
  };
}

export const dns = (value: string) => ({ type: "dns", value }) as const;
export const ip = (value: string) => ({ type: "ip", value }) as const;
