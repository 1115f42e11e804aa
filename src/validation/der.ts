/**
 * A tiny DER reader (ITU-T X.690 §8, §10): enough to walk a certificate to its extensions.
 * Only definite lengths and single-byte tags, which is all DER certificates use. Every read is
 * bounds-checked: the bytes come from whoever answered the tls-alpn-01 connection.
 */

export class DerError extends Error {
  override readonly name = "DerError";
}

export const DerTag = {
  BOOLEAN: 0x01,
  OCTET_STRING: 0x04,
  OID: 0x06,
  SEQUENCE: 0x30,
  /** [3] EXPLICIT, constructed: the extensions of a TBSCertificate (RFC 5280 §4.1) */
  EXTENSIONS: 0xa3,
} as const;

export interface Tlv {
  readonly tag: number;
  /** first content byte */
  readonly start: number;
  /** one past the last content byte */
  readonly end: number;
}

export function readTlv(der: Uint8Array, offset: number, limit = der.length): Tlv {
  if (offset + 2 > limit) throw new DerError("truncated DER element");
  const tag = der[offset] ?? 0;
  if ((tag & 0x1f) === 0x1f) throw new DerError("multi-byte DER tags are not expected here");
  const first = der[offset + 1] ?? 0;
  let length = first;
  let start = offset + 2;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count === 0 || count > 4) throw new DerError("unsupported DER length");
    if (start + count > limit) throw new DerError("truncated DER length");
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (der[start + i] ?? 0);
    start += count;
  }
  const end = start + length;
  if (end > limit) throw new DerError("DER element overruns its container");
  return { tag, start, end };
}

/** The elements inside a constructed element. */
export function childrenOf(der: Uint8Array, parent: Tlv): Tlv[] {
  const children: Tlv[] = [];
  for (let offset = parent.start; offset < parent.end; ) {
    const child = readTlv(der, offset, parent.end);
    children.push(child);
    offset = child.end;
  }
  return children;
}

export function expectTag(tlv: Tlv | undefined, tag: number, what: string): Tlv {
  if (tlv === undefined || tlv.tag !== tag) throw new DerError(`expected ${what}`);
  return tlv;
}

export function contentOf(der: Uint8Array, tlv: Tlv): Uint8Array {
  return der.subarray(tlv.start, tlv.end);
}

/** X.690 §8.19: first byte packs two arcs, the rest are base-128 with a continuation bit. */
export function decodeOid(bytes: Uint8Array): string {
  if (bytes.length === 0) throw new DerError("empty OBJECT IDENTIFIER");
  const arcs: number[] = [];
  let value = 0;
  for (const [index, byte] of bytes.entries()) {
    value = value * 128 + (byte & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER / 128) throw new DerError("OBJECT IDENTIFIER arc too large");
    if (byte & 0x80) {
      if (index === bytes.length - 1) throw new DerError("truncated OBJECT IDENTIFIER");
      continue;
    }
    if (arcs.length === 0) arcs.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
    else arcs.push(value);
    value = 0;
  }
  return arcs.join(".");
}
