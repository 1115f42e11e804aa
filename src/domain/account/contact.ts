/**
 * Account contacts (RFC 8555 §7.3): Certeasy reaches operators by e-mail only, so a contact is a
 * `mailto:` URI holding exactly one plain address. Anything richer — header fields (`?subject=`),
 * several addresses in one URI, percent-encoding, address literals — is refused rather than
 * interpreted, so what is stored is what a mail system would be handed.
 */
import { domainError, type DomainError } from "../domain-error.js";

/** More contacts than an operator needs; bounds what one request can make the log store. */
export const MAX_CONTACTS = 10;

/** RFC 5321 §4.5.3.1: 64 octets of local part, 254 for a whole forward path address. */
const MAX_LOCAL_PART = 64;
const MAX_ADDRESS = 254;

/** RFC 5322 dot-atom, without `%` and `?`, which RFC 6068 gives a meaning inside a mailto URI. */
const LOCAL_PART = /^[A-Za-z0-9!#$&'*+/=^_`{|}~-]+(?:\.[A-Za-z0-9!#$&'*+/=^_`{|}~-]+)*$/;
/** LDH labels, at least two (a mail domain, not a bare host name). */
const DOMAIN = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export type ContactsResult = { readonly contact: readonly string[] } | { readonly error: DomainError };

const invalid = (uri: string, why: string): { error: DomainError } => ({
  error: domainError("invalidContact", `Contact ${JSON.stringify(uri)} ${why}.`),
});

/**
 * Check and normalise one contact URI: the scheme and the domain are case-insensitive, so
 * they are lower-cased and `MAILTO:Ops@Example.COM` is stored as `mailto:Ops@example.com`.
 */
function normaliseContact(uri: string): { contact: string } | { error: DomainError } {
  const colon = uri.indexOf(":");
  if (colon < 0 || uri.slice(0, colon).toLowerCase() !== "mailto") {
    return {
      error: domainError("unsupportedContact", `Contact ${JSON.stringify(uri)} is not supported: only mailto: URIs are accepted.`),
    };
  }
  const address = uri.slice(colon + 1);
  if (address.includes("?")) return invalid(uri, "has header fields; give a plain mailto:address");
  if (address.includes(",")) return invalid(uri, "names several addresses; give one address per contact");
  if (address.includes("%")) return invalid(uri, "is percent-encoded; give the address as plain text");
  const at = address.lastIndexOf("@");
  if (at <= 0) return invalid(uri, "is not an e-mail address");
  const local = address.slice(0, at);
  const domain = address.slice(at + 1).toLowerCase();
  if (address.length > MAX_ADDRESS || local.length > MAX_LOCAL_PART) return invalid(uri, "is too long");
  if (!LOCAL_PART.test(local) || !DOMAIN.test(domain)) return invalid(uri, "is not a valid e-mail address");
  return { contact: `mailto:${local}@${domain}` };
}

/** Validate a contact list; duplicates (after normalisation) are kept once, in first-seen order. */
export function validateContacts(contacts: readonly string[]): ContactsResult {
  if (contacts.length > MAX_CONTACTS) {
    return { error: domainError("invalidContact", `At most ${MAX_CONTACTS} contacts are accepted; got ${contacts.length}.`) };
  }
  const accepted: string[] = [];
  for (const uri of contacts) {
    const result = normaliseContact(uri);
    if ("error" in result) return result;
    if (!accepted.includes(result.contact)) accepted.push(result.contact);
  }
  return { contact: accepted };
}
