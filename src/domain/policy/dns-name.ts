/**
 * DNS names as the issuance-policy rules see them (behaviour reference §3.4): lower-cased, the
 * trailing dot dropped, LDH labels, a wildcard only as the whole leftmost label (RFC 8555
 * §7.1.3). A name that is none of this matches no rule. Pure.
 */

/** RFC 1035 §2.3.4: 255 octets on the wire, 253 characters in text form. */
const MAX_NAME_LENGTH = 253;
/** RFC 1123 §2.1 LDH label, after lower-casing */
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export interface PolicyName {
  /** the canonical text, `*.` included for a wildcard */
  readonly text: string;
  /** `*.example.com`: the certificate will cover one label below `example.com` */
  readonly wildcard: boolean;
  /** the name without its `*.`: for `*.a.example.com`, `a.example.com` */
  readonly base: string;
}

/** Lower-cases and drops one trailing dot: the canonical form orders and rules share (§2.2). */
export const canonicalText = (text: string): string => text.toLowerCase().replace(/\.$/, "");

/** The name, or null when it has empty labels, whitespace, a misplaced `*` or is too long. */
export function policyName(text: string): PolicyName | null {
  const name = canonicalText(text);
  if (name === "" || name.length > MAX_NAME_LENGTH) return null;
  const wildcard = name.startsWith("*.");
  const base = wildcard ? name.slice(2) : name;
  return isLdhName(base) ? { text: name, wildcard, base } : null;
}

/** Every label LDH (no wildcard anywhere): what a zone of a rule must be. */
export function isLdhName(name: string): boolean {
  return name !== "" && name.split(".").every((label) => LABEL.test(label));
}

/**
 * How many labels `name` has below `zone` ("" is the root zone, above every name): 0 for the zone
 * itself, -1 when `name` is not inside `zone`. Both canonical, without wildcard.
 */
export function labelsBelow(name: string, zone: string): number {
  if (name === zone) return 0;
  if (zone === "") return labelCount(name);
  return name.endsWith(`.${zone}`) ? labelCount(name) - labelCount(zone) : -1;
}

const labelCount = (name: string): number => (name === "" ? 0 : name.split(".").length);
