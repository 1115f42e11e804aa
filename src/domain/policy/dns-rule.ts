/**
 * The DNS rules of an issuance policy's `dns.allow` / `dns.deny` (behaviour reference §3.4).
 * Depth is counted in labels below the zone; the zone itself (its apex) is never "below" it.
 *
 *   .zone/N    non-wildcard names 1..N labels below zone. The apex is NOT included: list
 *              `=zone` for it. `.example.com/2` matches a.example.com and b.a.example.com, not
 *              example.com, c.b.a.example.com or *.example.com.
 *   *.zone     exactly the wildcard *.zone (same as `=*.zone`).
 *   *..zone/N  wildcards of subzones only: *.S.zone where S is 1..N labels. `*..example.com/2`
 *              matches *.a.example.com and *.b.a.example.com, not *.example.com (write
 *              `*.example.com` for that), *.c.b.a.example.com or a.example.com. The `*` is not
 *              counted, so a certificate for *.S.zone covers names one label deeper than S.
 *   =name      exactly that name; `=*.zone` for a wildcard.
 *
 * "." is the root zone, above every name: `./127` is every non-wildcard name and `*../127` every
 * wildcard (a 253-character name has at most 127 labels). This is what the implicit `default`
 * policy allows. Pure.
 */
import { isIP } from "node:net";
import { canonicalText, isLdhName, labelsBelow, policyName } from "./dns-name.js";

export type DnsRule =
  | { readonly kind: "exact"; readonly rule: string; readonly name: string }
  | { readonly kind: "subdomains"; readonly rule: string; readonly zone: string; readonly maxDepth: number }
  | { readonly kind: "subzoneWildcards"; readonly rule: string; readonly zone: string; readonly maxDepth: number };

/** The most labels a DNS name can have below the root (RFC 1035 §2.3.4: 253 characters). */
export const MAX_RULE_DEPTH = 127;

/** For messages: the four forms a rule may take. */
export const DNS_RULE_GRAMMAR =
  "a DNS rule: .zone/N (names 1 to N labels below zone), *.zone (that wildcard only), *..zone/N (wildcards of subzones 1 to N labels below zone) or =name (exactly that name)";

/** Does `rule` accept `name`? The name is canonicalised first (lower case, no trailing dot). */
export function matchesDnsRule(rule: DnsRule, name: string): boolean {
  const parsed = policyName(name);
  if (parsed === null) return false;
  switch (rule.kind) {
    case "exact":
      return parsed.text === rule.name;
    case "subdomains":
      return !parsed.wildcard && withinDepth(labelsBelow(parsed.base, rule.zone), rule.maxDepth);
    case "subzoneWildcards":
      return parsed.wildcard && withinDepth(labelsBelow(parsed.base, rule.zone), rule.maxDepth);
  }
}

const withinDepth = (depth: number, maxDepth: number): boolean => depth >= 1 && depth <= maxDepth;

/** A rule as written in the config, or why it is not one (a clause for "got …, …"). */
export function parseDnsRule(text: string): DnsRule | { readonly reason: string } {
  const written = text.trim();
  if (written !== text || /\s/.test(written)) return { reason: "a rule has no spaces" };
  const lower = written.toLowerCase();
  if (lower.startsWith("=")) return exactRule(lower.slice(1));
  if (lower.startsWith("*..")) return zoneRule("subzoneWildcards", lower.slice(3), "*..");
  if (lower.startsWith("*.")) return wildcardRule(lower.slice(2));
  if (lower.startsWith(".")) return zoneRule("subdomains", lower.slice(1), ".");
  const hint = policyName(lower) === null ? "" : `; for exactly this name write =${canonicalText(lower)}`;
  return { reason: `a rule starts with ".", "*.", "*.." or "="${hint}` };
}

function exactRule(nameText: string): DnsRule | { readonly reason: string } {
  const name = policyName(nameText);
  if (name === null) return { reason: "=name needs a DNS name such as host.example.com or *.example.com" };
  if (isIP(name.text) !== 0) return { reason: "an IP address is not a DNS name; list it under ip.allow" };
  return { kind: "exact", rule: `=${name.text}`, name: name.text };
}

function wildcardRule(zoneText: string): DnsRule | { readonly reason: string } {
  if (zoneText.includes("/")) return { reason: "*.zone takes no depth; for wildcards of subzones write *..zone/N" };
  const zone = canonicalText(zoneText);
  if (!isLdhName(zone)) return { reason: "*.zone needs a zone such as example.com" };
  return { kind: "exact", rule: `*.${zone}`, name: `*.${zone}` };
}

function zoneRule(kind: "subdomains" | "subzoneWildcards", body: string, prefix: string): DnsRule | { readonly reason: string } {
  const slash = body.lastIndexOf("/");
  const zoneText = slash === -1 ? body : body.slice(0, slash);
  const zone = zoneText === "" ? "" : canonicalText(zoneText);
  if (zone !== "" && !isLdhName(zone)) return { reason: `${prefix}zone/N needs a zone such as example.com, or nothing for every zone` };
  const example = `${prefix}${zone}/1`;
  if (slash === -1) return { reason: `${prefix}zone needs its depth, as in ${example}` };
  const depthText = body.slice(slash + 1);
  const depth = /^\d{1,3}$/.test(depthText) ? Number(depthText) : Number.NaN;
  if (!(depth >= 1 && depth <= MAX_RULE_DEPTH)) return { reason: `the depth N must be a whole number from 1 to ${MAX_RULE_DEPTH}, as in ${example}` };
  return { kind, rule: `${prefix}${zone}/${depth}`, zone, maxDepth: depth };
}
