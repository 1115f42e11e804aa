/**
 * DNS names as the config writes them (zone suffixes of validation profiles, CAA identities):
 * lower-cased and without a trailing dot, the same canonical form order identifiers take
 * (behaviour reference §2.2), so that a suffix compares with an identifier as plain text. Pure.
 */

const MAX_NAME_LENGTH = 253;
/** RFC 1123 §2.1 LDH label, after lower-casing */
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** The canonical form of `text`, or `undefined` when it is not a DNS name of LDH labels. */
export function canonicalDomainName(text: string): string | undefined {
  const name = text.toLowerCase().replace(/\.$/, "");
  if (name === "" || name.length > MAX_NAME_LENGTH) return undefined;
  return name.split(".").every((label) => LABEL.test(label)) ? name : undefined;
}
