/**
 * Identifiers as the CSR states them, in the canonical form orders use (behaviour reference §2.2,
 * RFC 8738): dns lower-case without a trailing dot, LDH labels, a wildcard only as the whole
 * leftmost label; ip in canonical text (dotted IPv4, RFC 5952 IPv6). Sorted like an order's list
 * (type, then value) so that the two compare element by element.
 */
import { isIP } from "node:net";
import { CsrRefusal } from "./refusal.js";

export type CsrIdentifier = { readonly type: "dns" | "ip"; readonly value: string };

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const MAX_NAME_LENGTH = 253;

/**
 * A dNSName entry, canonicalised; `raw` is already known to be ASCII. `what` names where it was
 * found, for the refusals that can be about a subject CN too.
 */
export function canonicalDnsName(raw: string, what = "dNSName"): string {
  const quoted = JSON.stringify(raw);
  const name = raw.toLowerCase().replace(/\.$/, "");
  if (name === "") throw new CsrRefusal("The CSR's subjectAltName holds an empty dNSName.");
  if (isIP(name) !== 0) throw new CsrRefusal(`The CSR's subjectAltName holds the IP address ${quoted} as a dNSName; put it in an iPAddress entry (RFC 8738).`);
  if (name.length > MAX_NAME_LENGTH) throw new CsrRefusal(`The CSR's ${what} ${quoted} is longer than ${MAX_NAME_LENGTH} characters.`);
  const labels = name.split(".");
  const start = labels[0] === "*" && labels.length > 1 ? 1 : 0;
  for (let i = start; i < labels.length; i++) {
    if (!LABEL.test(labels[i] as string)) {
      throw new CsrRefusal(`The CSR's ${what} ${quoted} is not a valid DNS name: each label is 1–63 letters, digits or hyphens, and a wildcard may only be the whole leftmost label.`);
    }
  }
  return name;
}

/** An iPAddress entry (RFC 5280 §4.2.1.6: 4 bytes for IPv4, 16 for IPv6) as canonical text. */
export function ipText(octets: Uint8Array): string {
  if (octets.length === 4) return Array.from(octets).join(".");
  if (octets.length !== 16) {
    throw new CsrRefusal(`The CSR's subjectAltName holds an iPAddress of ${octets.length} bytes; it must be 4 (IPv4) or 16 (IPv6).`);
  }
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((octets[i] as number) << 8) | (octets[i + 1] as number)).toString(16));
  return canonicalIpv6(groups.join(":"));
}

/** The common name as an identifier value: an IP in canonical text, or a dns name lower-cased. */
export function canonicalCommonName(cn: string): string {
  const version = isIP(cn);
  if (version === 4) return cn;
  if (version === 6 && !cn.includes("%")) return canonicalIpv6(cn);
  return cn.toLowerCase().replace(/\.$/, "");
}

/**
 * The same serialiser newOrder uses (src/domain/order/identifiers.ts): the URL parser writes IPv6
 * in RFC 5952 form, so an address from a CSR and one from an order compare as equal strings.
 */
const canonicalIpv6 = (text: string): string => new URL(`http://[${text}]/`).hostname.slice(1, -1);

export const identifierKey = (identifier: CsrIdentifier): string => `${identifier.type}:${identifier.value}`;

export function sortIdentifiers(identifiers: CsrIdentifier[]): CsrIdentifier[] {
  return identifiers.sort((a, b) => (a.type === b.type ? compare(a.value, b.value) : compare(a.type, b.type)));
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** RFC 8555 §7.4: the CSR must name exactly the order's identifiers, no more and no fewer. */
export function requireSameIdentifiers(inCsr: readonly CsrIdentifier[], expected: readonly CsrIdentifier[]): void {
  const csrKeys = new Set(inCsr.map(identifierKey));
  const orderKeys = new Set(expected.map(identifierKey));
  const missing = [...orderKeys].filter((key) => !csrKeys.has(key));
  const extra = [...csrKeys].filter((key) => !orderKeys.has(key));
  if (missing.length === 0 && extra.length === 0) return;
  const parts: string[] = [];
  if (missing.length > 0) parts.push(`missing from the CSR: ${missing.join(", ")}`);
  if (extra.length > 0) parts.push(`in the CSR but not in the order: ${extra.join(", ")}`);
  throw new CsrRefusal(`The names in the CSR do not match the order's identifiers (${parts.join("; ")}).`);
}
