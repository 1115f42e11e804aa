/**
 * Allow rules that the deny rules of the same policy cancel entirely (deny wins, behaviour
 * reference §3.4). Such an entry cannot take effect, which the startup warnings report; a policy
 * whose every allow rule is cancelled, and that allows no IP address, can issue nothing and is
 * refused at load. Pure.
 *
 * Why this is exact and not a guess: a `.zone/N` (or `*..zone/N`) rule allows infinitely many
 * names at each depth 1..N, so only a deny rule of the same kind whose zone is that zone or one
 * above it can deny all of a depth; `=name` denies one name, and a deny on a zone further down
 * leaves the other branches. Such a deny on a zone `k` labels above covers depths up to its own
 * N − k.
 */
import { labelsBelow } from "./dns-name.js";
import { matchesDnsRule, type DnsRule } from "./dns-rule.js";

export interface DnsRules {
  readonly allow: readonly DnsRule[];
  readonly deny: readonly DnsRule[];
}

/** The allow rules no name can get through, in the order they are listed. */
export function cancelledAllowRules(dns: DnsRules): DnsRule[] {
  return dns.allow.filter((rule) => isCancelled(rule, dns.deny));
}

function isCancelled(allow: DnsRule, deny: readonly DnsRule[]): boolean {
  if (allow.kind === "exact") return deny.some((rule) => matchesDnsRule(rule, allow.name));
  return deny.some((rule) => {
    if (rule.kind === "exact" || rule.kind !== allow.kind) return false;
    const zonesAbove = labelsBelow(allow.zone, rule.zone);
    return zonesAbove >= 0 && rule.maxDepth - zonesAbove >= allow.maxDepth;
  });
}
