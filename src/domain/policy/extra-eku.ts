/**
 * `csr.allowed-extra-eku` entries (behaviour reference §3.4): the extended key usages a CSR may
 * request besides serverAuth, by name or as a dotted OID (RFC 5280 §4.2.1.12). Pure.
 */

/** RFC 5280 §4.2.1.12 key purposes, by the names the product's config uses. */
const NAMED: ReadonlyArray<readonly [name: string, oid: string]> = [
  ["clientAuth", "1.3.6.1.5.5.7.3.2"],
  ["codeSigning", "1.3.6.1.5.5.7.3.3"],
  ["emailProtection", "1.3.6.1.5.5.7.3.4"],
  ["timeStamping", "1.3.6.1.5.5.7.3.8"],
  ["ocspSigning", "1.3.6.1.5.5.7.3.9"],
  // anyExtendedKeyUsage: a certificate good for every purpose (the ESC2 abuse, reference §13.1)
  ["anyPurpose", "2.5.29.37.0"],
];

export const ANY_PURPOSE_OID = "2.5.29.37.0";
const SERVER_AUTH_OID = "1.3.6.1.5.5.7.3.1";

/** For messages: the names an entry may use. */
export const EXTRA_EKU_NAMES: readonly string[] = NAMED.map(([name]) => name);

/** Dotted decimal, no leading zeros; the first arc 0–2 (X.660). */
const DOTTED_OID = /^[0-2](?:\.(?:0|[1-9][0-9]{0,19})){1,31}$/;

/** The OID of an entry, or why it is not one (a clause for "got …, …"). Names ignore case. */
export function extraEkuOid(text: string): { readonly oid: string } | { readonly reason: string } {
  const entry = text.trim();
  const named = NAMED.find(([name]) => name.toLowerCase() === entry.toLowerCase());
  const oid = named?.[1] ?? (DOTTED_OID.test(entry) ? entry : undefined);
  if (entry.toLowerCase() === "serverauth" || oid === SERVER_AUTH_OID) {
    return { reason: "serverAuth is always allowed and is not listed" };
  }
  if (oid === undefined) return { reason: "not a known name or a dotted OID" };
  // X.660: under arcs 0 and 1 the second arc is below 40 (BER packs the first two into one byte).
  const [first, second] = oid.split(".").map(Number);
  if (first !== undefined && second !== undefined && first < 2 && second >= 40) return { reason: "not a valid OID: under arc 0 or 1 the second arc is below 40" };
  return { oid };
}
