/** The subject's SubjectPublicKeyInfo (RFC 5280 §4.1.2.7): split once, copied verbatim. */
import { createHash } from "node:crypto";
import { TAG } from "../der/encode.js";
import { DerDecodingError } from "../der/errors.js";
import { childrenOf, contentOf, decodeObjectIdentifier, expectTag, readWhole } from "../der/read.js";

export interface SubjectPublicKey {
  /** the whole SPKI encoding, as the CSR carried it */
  readonly spki: Uint8Array;
  /** the AlgorithmIdentifier's OID, dotted */
  readonly algorithm: string;
  /** the subjectPublicKey BIT STRING's value, without its unused-bits octet */
  readonly keyBits: Uint8Array;
}

/** Throws DerDecodingError unless `spki` is exactly SEQUENCE { AlgorithmIdentifier, BIT STRING }. */
export function parseSubjectPublicKeyInfo(spki: Uint8Array): SubjectPublicKey {
  const outer = readWhole(spki, TAG.SEQUENCE);
  const fields = childrenOf(spki, outer);
  if (fields.length !== 2) throw new DerDecodingError("a SubjectPublicKeyInfo has exactly two fields");
  const algorithmIdentifier = expectTag(fields[0], TAG.SEQUENCE);
  const algorithm = expectTag(childrenOf(spki, algorithmIdentifier)[0], TAG.OBJECT_IDENTIFIER);
  const bits = contentOf(spki, expectTag(fields[1], TAG.BIT_STRING));
  if (bits.length < 2 || bits[0] !== 0) throw new DerDecodingError("the subjectPublicKey BIT STRING must hold whole octets");
  return { spki, algorithm: decodeObjectIdentifier(contentOf(spki, algorithm)), keyBits: bits.subarray(1) };
}

/**
 * RFC 5280 §4.2.1.2 method (1): the SHA-1 of the subjectPublicKey bits. SHA-1 is fine here: the
 * identifier only helps path building, it is not a security property.
 */
export const keyIdentifier = (keyBits: Uint8Array): Buffer => createHash("sha1").update(keyBits).digest();
