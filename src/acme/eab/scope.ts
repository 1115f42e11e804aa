/**
 * What an account bound by an EAB key may order: the key's name rules and profiles. Pure.
 *
 * Name rule grammar (kept small on purpose; `docs/operations.md` repeats it for operators):
 *
 *   host.example.com    exactly that DNS name
 *   *.example.com       any name strictly below example.com, at any depth (a.example.com,
 *                       a.b.example.com, and wildcards such as *.example.com) — not example.com
 *   .example.com        example.com itself and every name below it, wildcards included
 *   192.0.2.7, 2001:db8::1
 *                       exactly that IP address (RFC 8738 identifiers)
 *
 * Rules are lower-cased A-labels (punycode). An empty list allows every identifier; an empty
 * profile list allows every profile.
 */
import { canonicalIdentifiers } from "../../domain/order/identifiers.js";

export interface EabScope {
  readonly names: readonly string[];
  readonly profiles: readonly string[];
}

export type ScopeVerdict = { readonly ok: true } | { readonly ok: false; readonly detail: string };

export const MAX_NAME_RULES = 100;
export const MAX_PROFILES = 32;
const PROFILE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

type ParsedRule =
  | { readonly kind: "exact"; readonly value: string }
  | { readonly kind: "below"; readonly zone: string }
  | { readonly kind: "zone"; readonly zone: string };

/** Validate and canonicalise name rules (lower case, no trailing dot, deduplicated, sorted). */
export function canonicalNameRules(rules: readonly string[]): { ok: true; rules: readonly string[] } | { ok: false; detail: string } {
  if (rules.length > MAX_NAME_RULES) return { ok: false, detail: `At most ${MAX_NAME_RULES} name rules per key.` };
  const canonical = new Set<string>();
  for (const rule of rules) {
    const parsed = parseRule(rule);
    if ("reason" in parsed) return { ok: false, detail: parsed.reason };
    canonical.add(ruleText(parsed));
  }
  return { ok: true, rules: [...canonical].sort() };
}

export function canonicalProfiles(profiles: readonly string[]): { ok: true; profiles: readonly string[] } | { ok: false; detail: string } {
  if (profiles.length > MAX_PROFILES) return { ok: false, detail: `At most ${MAX_PROFILES} profiles per key.` };
  const canonical = new Set<string>();
  for (const profile of profiles) {
    const name = profile.trim();
    if (!PROFILE.test(name)) {
      return { ok: false, detail: `${JSON.stringify(profile)} is not a profile name: 1–64 letters, digits, ".", "_" or "-".` };
    }
    canonical.add(name);
  }
  return { ok: true, profiles: [...canonical].sort() };
}

/**
 * May an account bound under `scope` order these identifiers with this profile? `profile` is
 * the one the order asked for (null: none named). newOrder calls this for bound accounts.
 */
export function eabScopeAllows(
  scope: EabScope,
  identifiers: readonly { readonly type: string; readonly value: string }[],
  profile: string | null,
): ScopeVerdict {
  if (scope.names.length > 0) {
    const rules = scope.names.map(parseRule).filter((r): r is ParsedRule => !("reason" in r));
    for (const identifier of identifiers) {
      if (!rules.some((rule) => ruleCovers(rule, identifier))) {
        return {
          ok: false,
          detail:
            `The external account binding of this account does not allow the ${identifier.type} identifier ${JSON.stringify(identifier.value)}; ` +
            `it allows: ${scope.names.join(", ")}.`,
        };
      }
    }
  }
  if (scope.profiles.length > 0 && (profile === null || !scope.profiles.includes(profile))) {
    const allowed = scope.profiles.join(", ");
    return {
      ok: false,
      detail:
        profile === null
          ? `The external account binding of this account requires a profile; name one of: ${allowed}.`
          : `The external account binding of this account does not allow the profile ${JSON.stringify(profile)}; it allows: ${allowed}.`,
    };
  }
  return { ok: true };
}

function parseRule(text: string): ParsedRule | { reason: string } {
  const rule = text.trim().toLowerCase().replace(/\.$/, "");
  const quoted = JSON.stringify(text);
  if (rule.startsWith("*.") || rule.startsWith(".")) {
    const zone = rule.slice(rule.startsWith("*.") ? 2 : 1);
    const name = dnsName(zone);
    if (name === null) return { reason: `${quoted} is not a name rule: after "*." or "." comes a DNS name such as example.com.` };
    return rule.startsWith("*.") ? { kind: "below", zone: name } : { kind: "zone", zone: name };
  }
  const ip = canonicalIdentifiers([{ type: "ip", value: rule }]);
  if (ip.ok && ip.identifiers[0]) return { kind: "exact", value: ip.identifiers[0].value };
  const name = dnsName(rule);
  if (name === null) {
    return { reason: `${quoted} is not a name rule: use host.example.com, *.example.com, .example.com or an IP address.` };
  }
  return { kind: "exact", value: name };
}

/** A DNS name without wildcard, canonical as newOrder makes it; null when it is not one. */
function dnsName(value: string): string | null {
  if (value.includes("*")) return null;
  const result = canonicalIdentifiers([{ type: "dns", value }]);
  return result.ok && result.identifiers[0] ? result.identifiers[0].value : null;
}

function ruleText(rule: ParsedRule): string {
  switch (rule.kind) {
    case "exact":
      return rule.value;
    case "below":
      return `*.${rule.zone}`;
    case "zone":
      return `.${rule.zone}`;
  }
}

function ruleCovers(rule: ParsedRule, identifier: { readonly type: string; readonly value: string }): boolean {
  const value = identifier.value.toLowerCase().replace(/\.$/, "");
  if (identifier.type === "ip") return rule.kind === "exact" && canonicalIp(value) === rule.value;
  if (identifier.type !== "dns") return false;
  // A wildcard stands for every name strictly below its base: only a rule covering all of them covers it.
  if (value.startsWith("*.")) {
    const base = value.slice(2);
    return rule.kind !== "exact" && (base === rule.zone || base.endsWith(`.${rule.zone}`));
  }
  switch (rule.kind) {
    case "exact":
      return value === rule.value;
    case "below":
      return value.endsWith(`.${rule.zone}`);
    case "zone":
      return value === rule.zone || value.endsWith(`.${rule.zone}`);
  }
}

function canonicalIp(value: string): string | null {
  const result = canonicalIdentifiers([{ type: "ip", value }]);
  return result.ok && result.identifiers[0] ? result.identifiers[0].value : null;
}
