/**
 * The identifiers of an issued certificate read from its own DER (RFC 5280 §4.1): the serial's
 * content octets and the authority key identifier, as lower-case hex — the form Certeasy stores
 * (`IssuedCertificate.serialHex`, `akiHex`), so a certificate presented again (a revocation, an
 * RFC 9773 certID) is found by one indexed equality.
 */
import { X509Certificate, createHash } from "node:crypto";
import { type DerElement, childrenOf, contentOf, decodeObjectIdentifier, readWhole } from "../der/read.js";

const SEQUENCE = 0x30;
const INTEGER = 0x02;
const OCTET_STRING = 0x04;
const BIT_STRING = 0x03;
const OBJECT_IDENTIFIER = 0x06;
const BOOLEAN = 0x01;
const EXPLICIT_0 = 0xa0;
const EXPLICIT_3 = 0xa3;
const KEY_IDENTIFIER = 0x80;
const AUTHORITY_KEY_IDENTIFIER = "2.5.29.35";
const SUBJECT_KEY_IDENTIFIER = "2.5.29.14";

/** Certificate → TBSCertificate's elements (RFC 5280 §4.1). */
function tbsElements(der: Uint8Array): DerElement[] {
  const [tbs] = childrenOf(der, readWhole(der, SEQUENCE));
  if (tbs === undefined) return [];
  return childrenOf(der, tbs);
}

/** The serial INTEGER's content octets as hex: `IssuedCertificate.serialHex`'s form. */
export function serialHex(der: Uint8Array): string | undefined {
  try {
    const elements = tbsElements(der);
    const serial = elements[0]?.tag === EXPLICIT_0 ? elements[1] : elements[0];
    if (serial?.tag !== INTEGER || serial.end === serial.contentStart) return undefined;
    return Buffer.from(contentOf(der, serial)).toString("hex");
  } catch {
    return undefined;
  }
}

/** extnValue of the extension `oid`, or undefined (RFC 5280 §4.1.2.9: extensions are [3]). */
function extensionValue(der: Uint8Array, oid: string): { value: DerElement } | undefined {
  const extensions = tbsElements(der).find((element) => element.tag === EXPLICIT_3);
  if (extensions === undefined) return undefined;
  const [sequence] = childrenOf(der, extensions);
  if (sequence === undefined) return undefined;
  for (const extension of childrenOf(der, sequence)) {
    const [id, second, third] = childrenOf(der, extension);
    if (id?.tag !== OBJECT_IDENTIFIER || decodeObjectIdentifier(contentOf(der, id)) !== oid) continue;
    const value = second?.tag === BOOLEAN ? third : second;
    return value?.tag === OCTET_STRING ? { value } : undefined;
  }
  return undefined;
}

/** AuthorityKeyIdentifier.keyIdentifier [0] (RFC 5280 §4.2.1.1). */
export function authorityKeyIdHex(der: Uint8Array): string | undefined {
  try {
    const found = extensionValue(der, AUTHORITY_KEY_IDENTIFIER);
    if (found === undefined) return undefined;
    const inner = contentOf(der, found.value);
    const keyId = childrenOf(inner, readWhole(inner, SEQUENCE)).find((element) => element.tag === KEY_IDENTIFIER);
    return keyId === undefined ? undefined : Buffer.from(contentOf(inner, keyId)).toString("hex");
  } catch {
    return undefined;
  }
}

/**
 * The issuer's key identifier when the leaf carries no AKI: its SKI extension, else RFC 5280
 * §4.2.1.2 method 1 (SHA-1 of the subjectPublicKey bits), which is how ADCS derives SKIs.
 */
export function subjectKeyIdHex(issuer: X509Certificate): string | undefined {
  const der = new Uint8Array(issuer.raw);
  try {
    const found = extensionValue(der, SUBJECT_KEY_IDENTIFIER);
    if (found !== undefined) {
      const inner = contentOf(der, found.value);
      return Buffer.from(contentOf(inner, readWhole(inner, OCTET_STRING))).toString("hex");
    }
    const spki = new Uint8Array(issuer.publicKey.export({ type: "spki", format: "der" }));
    const [, bits] = childrenOf(spki, readWhole(spki, SEQUENCE));
    if (bits?.tag !== BIT_STRING) return undefined;
    // Skip the unused-bits octet: the hash covers the key bits only.
    return createHash("sha1").update(contentOf(spki, bits).subarray(1)).digest("hex");
  } catch {
    return undefined;
  }
}
