/**
 * The identifiers of a newOrder, canonicalised once at creation (behaviour reference §2.2,
 * RFC 8555 §7.1.3–7.1.4, RFC 8738): `dns` names lower-cased, without a trailing dot, checked as
 * LDH A-labels (a wildcard only as the whole leftmost label); `ip` addresses in their canonical
 * text form (IPv6 per RFC 5952); then deduplicated and sorted, so that equal requests give equal
 * orders (duplicate-certificate limits and renewal detection hash this list). Whether a name is
 * *allowed* is the issuance policy's business, not this module's.
 */
import { isIP } from "node:net";
import { domainError, type DomainError, type DomainSubproblem } from "../domain-error.js";

export interface Identifier {
  readonly type: "dns" | "ip";
  readonly value: string;
}

export type CanonicalIdentifiers =
  | { readonly ok: true; readonly identifiers: readonly Identifier[] }
  | { readonly ok: false; readonly error: DomainError };

/** Far above any sane certificate, low enough to bound the work one request can cause. */
export const MAX_IDENTIFIERS = 100;
const MAX_NAME_LENGTH = 253;
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export function canonicalIdentifiers(requested: unknown): CanonicalIdentifiers {
  if (!Array.isArray(requested) || requested.length === 0) {
    return { ok: false, error: domainError("malformed", "The order must list at least one identifier.") };
  }
  if (requested.length > MAX_IDENTIFIERS) {
    return { ok: false, error: domainError("rejectedIdentifier", `An order may list at most ${MAX_IDENTIFIERS} identifiers.`) };
  }
  const identifiers = new Map<string, Identifier>();
  const problems: DomainSubproblem[] = [];
  for (const item of requested) {
    const result = canonicalIdentifier(item);
    if ("problem" in result) problems.push(result.problem);
    else identifiers.set(`${result.type}:${result.value}`, result);
  }
  if (problems.length > 0) return { ok: false, error: combine(problems) };
  const sorted = [...identifiers.values()].sort((a, b) => (a.type === b.type ? compare(a.value, b.value) : compare(a.type, b.type)));
  return { ok: true, identifiers: sorted };
}

function canonicalIdentifier(item: unknown): Identifier | { readonly problem: DomainSubproblem } {
  const raw = item as { type?: unknown; value?: unknown } | null;
  const type = typeof raw?.type === "string" ? raw.type : "";
  const value = typeof raw?.value === "string" ? raw.value : "";
  const fail = (kind: DomainSubproblem["type"], detail: string) => ({ problem: { type: kind, detail, identifier: { type, value } } });
  if (type === "dns") {
    const name = canonicalDnsName(value);
    return typeof name === "string" ? { type: "dns", value: name } : fail("rejectedIdentifier", name.reason);
  }
  if (type === "ip") {
    const address = canonicalIp(value);
    return address ? { type: "ip", value: address } : fail("rejectedIdentifier", `${JSON.stringify(value)} is not an IPv4 or IPv6 address in text form (RFC 8738).`);
  }
  return fail("unsupportedIdentifier", `Identifier type ${JSON.stringify(type)} is not supported; use "dns" or "ip".`);
}

function canonicalDnsName(value: string): string | { readonly reason: string } {
  const name = value.toLowerCase().replace(/\.$/, "");
  const quoted = JSON.stringify(value);
  if (name === "") return { reason: "A DNS identifier must not be empty." };
  if (isIP(name) !== 0) return { reason: `${quoted} is an IP address: request it as an "ip" identifier (RFC 8738).` };
  if (name.length > MAX_NAME_LENGTH) return { reason: `${quoted} is longer than ${MAX_NAME_LENGTH} characters.` };
  const labels = name.split(".");
  const [first, ...rest] = labels;
  if (first === "*") {
    if (rest.length === 0) return { reason: "A wildcard must stand for the leftmost label of a name, as in *.example.com." };
  } else if (!LABEL.test(first ?? "")) {
    return { reason: labelReason(quoted, first ?? "") };
  }
  for (const label of rest) {
    if (!LABEL.test(label)) return { reason: labelReason(quoted, label) };
  }
  return name;
}

function labelReason(quoted: string, label: string): string {
  if (/[^\x00-\x7f]/.test(label)) return `${quoted} must be written with A-labels (punycode, "xn--…"), as RFC 8555 §7.1.4 requires.`;
  if (label.includes("*")) return `${quoted}: a wildcard is only allowed as the whole leftmost label.`;
  return `${quoted} is not a valid DNS name: each label is 1–63 letters, digits or hyphens, not starting or ending with a hyphen.`;
}

function canonicalIp(value: string): string | null {
  const version = isIP(value);
  if (version === 4) return value.split(".").every((octet) => octet === String(Number(octet))) ? value : null;
  if (version === 6 && !value.includes("%")) {
    // The URL parser writes IPv6 in RFC 5952 form: lower case, longest zero run compressed.
    return new URL(`http://[${value}]/`).hostname.slice(1, -1);
  }
  return null;
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** One failure is reported as itself; several as subproblems under their common type. */
function combine(problems: readonly DomainSubproblem[]): DomainError {
  const [first] = problems;
  if (problems.length === 1 && first) return { type: first.type, detail: first.detail, subproblems: problems };
  const type = problems.every((p) => p.type === first?.type) && first ? first.type : "malformed";
  return { type, detail: `${problems.length} identifiers of the order were refused; see subproblems.`, subproblems: problems };
}
