/**
 * A small DER encoder (ITU-T X.690 §10): just the types X.509 certificates and CRLs need.
 *
 * Why hand-written: issuing is Certeasy's hot path, and a certificate is mostly constant bytes
 * (issuer, algorithm, CA extensions) around a few per-request fields. Encoding those fields
 * straight into Buffers is an order of magnitude cheaper than building an ASN.1 object tree.
 * Every function returns complete TLV bytes, so results compose by concatenation.
 */
import { DerEncodingError } from "./errors.js";

/** Universal tags (X.690 §8.x) used by X.509. */
export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OBJECT_IDENTIFIER: 0x06,
  ENUMERATED: 0x0a,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** X.690 §8.1.3: short form below 128, otherwise long form with the fewest length octets. */
function lengthOctets(length: number): number {
  if (length < 0x80) return 1;
  if (length < 0x100) return 2;
  if (length < 0x10000) return 3;
  if (length < 0x1000000) return 4;
  return 5;
}

function writeHeader(target: Buffer, tag: number, length: number): number {
  target[0] = tag;
  const octets = lengthOctets(length);
  if (octets === 1) {
    target[1] = length;
    return 2;
  }
  target[1] = 0x80 | (octets - 1);
  for (let i = octets - 1, rest = length; i >= 1; i--, rest = Math.floor(rest / 256)) target[1 + i] = rest & 0xff;
  return 1 + octets;
}

/** One TLV whose content is the concatenation of `parts` (one allocation, one copy per part). */
export function tlv(tag: number, ...parts: readonly Uint8Array[]): Buffer {
  return tlvOf(tag, parts);
}

/**
 * `tlv` over an array: for contents with as many parts as a CRL has entries (tens of thousands),
 * which a spread call would pass as that many arguments.
 */
export function tlvOf(tag: number, parts: readonly Uint8Array[]): Buffer {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = Buffer.allocUnsafe(1 + lengthOctets(length) + length);
  let offset = writeHeader(out, tag, length);
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export const sequence = (...parts: readonly Uint8Array[]): Buffer => tlv(TAG.SEQUENCE, ...parts);
export const set = (...parts: readonly Uint8Array[]): Buffer => tlv(TAG.SET, ...parts);
export const octetString = (bytes: Uint8Array): Buffer => tlv(TAG.OCTET_STRING, bytes);
export const NULL = Buffer.from([TAG.NULL, 0]);
/** BOOLEAN TRUE is 0xFF in DER (X.690 §11.1); FALSE is only ever the omitted DEFAULT. */
export const TRUE = Buffer.from([TAG.BOOLEAN, 1, 0xff]);

/** `[n] EXPLICIT`: a constructed context-specific wrapper around complete TLVs. */
export const explicit = (tagNumber: number, ...parts: readonly Uint8Array[]): Buffer => tlv(0xa0 | tagNumber, ...parts);
/** `[n] IMPLICIT` over a primitive type: the content octets under a context-specific tag. */
export const implicitPrimitive = (tagNumber: number, content: Uint8Array): Buffer => tlv(0x80 | tagNumber, content);

/**
 * A non-negative INTEGER from big-endian magnitude bytes: leading zero octets removed and one
 * 0x00 added when the top bit is set, as DER's minimal two's-complement form requires.
 */
export function unsignedInteger(magnitude: Uint8Array): Buffer {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const trimmed = magnitude.subarray(start);
  if (trimmed.length === 0) return Buffer.from([TAG.INTEGER, 1, 0]);
  return (trimmed[0] ?? 0) & 0x80 ? tlv(TAG.INTEGER, ZERO_OCTET, trimmed) : tlv(TAG.INTEGER, trimmed);
}
const ZERO_OCTET = Buffer.from([0]);

export function bigIntegerMagnitude(value: bigint): Buffer {
  if (value < 0n) throw new DerEncodingError(`cannot encode the negative number ${value} as an unsigned INTEGER`);
  const hex = value.toString(16);
  return Buffer.from(hex.length % 2 ? `0${hex}` : hex, "hex");
}

export const integer = (value: bigint | number): Buffer => unsignedInteger(bigIntegerMagnitude(BigInt(value)));

export function enumerated(value: number): Buffer {
  const bytes = unsignedInteger(bigIntegerMagnitude(BigInt(value)));
  bytes[0] = TAG.ENUMERATED;
  return bytes;
}

/** BIT STRING whose first content octet counts the unused trailing bits (X.690 §8.6.2). */
export const bitString = (bytes: Uint8Array, unusedBits = 0): Buffer => tlv(TAG.BIT_STRING, Buffer.from([unusedBits]), bytes);

const DOTTED_OID = /^[0-2](\.(0|[1-9][0-9]*))+$/;

/** OBJECT IDENTIFIER from dotted text (X.690 §8.19); throws for anything that is not one. */
export function objectIdentifier(dotted: string): Buffer {
  if (!DOTTED_OID.test(dotted)) throw new DerEncodingError(`"${dotted}" is not a dotted object identifier`);
  const arcs = dotted.split(".").map((arc) => BigInt(arc));
  const [first = 0n, second = 0n, ...rest] = arcs;
  if (first < 2n && second > 39n) throw new DerEncodingError(`"${dotted}" is not a valid object identifier`);
  const octets: number[] = [];
  for (const arc of [first * 40n + second, ...rest]) {
    const base128: number[] = [Number(arc & 0x7fn)];
    for (let rest128 = arc >> 7n; rest128 > 0n; rest128 >>= 7n) base128.unshift(Number(rest128 & 0x7fn) | 0x80);
    octets.push(...base128);
  }
  return tlv(TAG.OBJECT_IDENTIFIER, Buffer.from(octets));
}

/** The octets of an IA5String: 7-bit ASCII, which X.509 uses for dNSName and URIs (RFC 5280 §4.2.1.6). */
export function ia5Octets(text: string): Buffer {
  if (!/^[\x00-\x7f]*$/.test(text)) throw new DerEncodingError(`"${text}" has characters outside IA5 (ASCII)`);
  return Buffer.from(text, "latin1");
}

export const ia5String = (text: string): Buffer => tlv(TAG.IA5_STRING, ia5Octets(text));

export const utf8String = (text: string): Buffer => tlv(TAG.UTF8_STRING, Buffer.from(text, "utf8"));

/**
 * RFC 5280 §4.1.2.5: UTCTime (YYMMDDHHMMSSZ) through 2049, GeneralizedTime (YYYYMMDDHHMMSSZ)
 * from 2050 and before 1950; always UTC, always whole seconds (sub-second parts are dropped).
 */
export function time(date: Date): Buffer {
  const ms = date.getTime();
  if (!Number.isFinite(ms)) throw new DerEncodingError("cannot encode an invalid date");
  const year = date.getUTCFullYear();
  if (year < 0 || year > 9999) throw new DerEncodingError(`cannot encode the year ${year} in a certificate`);
  const rest =
    pad2(date.getUTCMonth() + 1) +
    pad2(date.getUTCDate()) +
    pad2(date.getUTCHours()) +
    pad2(date.getUTCMinutes()) +
    pad2(date.getUTCSeconds()) +
    "Z";
  if (year >= 1950 && year < 2050) return tlv(TAG.UTC_TIME, Buffer.from(pad2(year % 100) + rest, "latin1"));
  return tlv(TAG.GENERALIZED_TIME, Buffer.from(String(year).padStart(4, "0") + rest, "latin1"));
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));
