/**
 * Turns an IssuanceRequest's identifiers, public key and EKUs into certificate fields (pure). The
 * ACME layer has already checked them; this is the CA's own last line, so nothing it cannot
 * encode faithfully reaches a signature — it is denied with a sentence instead.
 */
import type { IssuanceRequest } from "../authority.js";
import { objectIdentifier } from "../der/encode.js";
import type { GeneralName } from "../x509/extensions.js";
import { ipAddressOctets } from "../x509/ip-address.js";
import { OID } from "../x509/oids.js";
import { type SubjectPublicKey, parseSubjectPublicKeyInfo } from "../x509/public-key.js";

export type LeafRequestDecision =
  | {
      readonly ok: true;
      readonly subjectPublicKey: SubjectPublicKey;
      readonly subjectAltNames: readonly GeneralName[];
      readonly extraEkus: readonly Uint8Array[];
    }
  | { readonly ok: false; readonly reason: string };

/** Preferred name syntax (RFC 1034 §3.5, RFC 5280 §4.2.1.6) with an optional leading wildcard label. */
const DNS_NAME = /^(\*\.)?([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/i;
const MAX_DNS_NAME_LENGTH = 253;
/** anyExtendedKeyUsage (RFC 5280 §4.2.1.12) would make a TLS certificate good for everything (ESC2). */
const ANY_EXTENDED_KEY_USAGE = "2.5.29.37.0";

const deny = (reason: string): LeafRequestDecision => ({ ok: false, reason });

export function readLeafRequest(request: IssuanceRequest): LeafRequestDecision {
  let subjectPublicKey: SubjectPublicKey;
  try {
    subjectPublicKey = parseSubjectPublicKeyInfo(request.publicKeySpki);
  } catch {
    return deny("the CSR's public key is not a valid SubjectPublicKeyInfo");
  }

  if (request.identifiers.length === 0) return deny("the certificate needs at least one DNS name or IP address");
  const subjectAltNames: GeneralName[] = [];
  const seen = new Set<string>();
  for (const identifier of request.identifiers) {
    const key = `${identifier.type}:${identifier.value}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (identifier.type === "dns") {
      if (identifier.value.length > MAX_DNS_NAME_LENGTH || !DNS_NAME.test(identifier.value)) {
        return deny(`"${identifier.value}" is not a DNS name this CA can put in a certificate`);
      }
      subjectAltNames.push({ type: "dns", value: identifier.value });
    } else {
      const bytes = ipAddressOctets(identifier.value);
      if (!bytes) return deny(`"${identifier.value}" is not an IPv4 or IPv6 address`);
      subjectAltNames.push({ type: "ip", bytes });
    }
  }

  const extraEkus: Uint8Array[] = [];
  for (const oid of new Set(request.extraEkus)) {
    if (oid === OID.serverAuth) continue;
    if (oid === ANY_EXTENDED_KEY_USAGE) return deny("this CA does not issue certificates with anyExtendedKeyUsage");
    try {
      extraEkus.push(objectIdentifier(oid));
    } catch {
      return deny(`"${oid}" is not an extended key usage object identifier`);
    }
  }
  return { ok: true, subjectPublicKey, subjectAltNames, extraEkus };
}
