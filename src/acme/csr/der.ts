/**
 * A small, strict DER reader for the structures a finalize request carries (RFC 2986, X.690 §10).
 * Strictness is the point: a CSR that two parsers read differently is how names get smuggled past
 * a check (a parser differential), so anything that is not *the* DER encoding of its value is
 * refused — indefinite or non-minimal lengths, high tag numbers, non-minimal INTEGERs and OID arcs,
 * non-zero BIT STRING padding, and bytes left over in any structure.
 *
 * Nodes are views into the received buffer; nothing is copied while reading.
 */
import { notDer } from "./refusal.js";

export const Tag = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  IA5_STRING: 0x16,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

const TAG_NAMES: Readonly<Record<number, string>> = {
  [Tag.BOOLEAN]: "a BOOLEAN",
  [Tag.INTEGER]: "an INTEGER",
  [Tag.BIT_STRING]: "a BIT STRING",
  [Tag.OCTET_STRING]: "an OCTET STRING",
  [Tag.NULL]: "a NULL",
  [Tag.OID]: "an OBJECT IDENTIFIER",
  [Tag.SEQUENCE]: "a SEQUENCE",
  [Tag.SET]: "a SET",
};

export interface DerNode {
  readonly tag: number;
  /** The buffer the node lives in. */
  readonly bytes: Uint8Array;
  /** Offset of the tag byte. */
  readonly start: number;
  readonly contentStart: number;
  /** One past the last content byte. */
  readonly end: number;
}

/** Three length bytes cover 16 MiB, far beyond any CSR this server accepts. */
const MAX_LENGTH_BYTES = 3;

/** Reads exactly one node that fills `bytes`: trailing bytes are refused. */
export function readWhole(bytes: Uint8Array, what: string): DerNode {
  const node = readNode(bytes, 0, bytes.length, what);
  if (node.end !== bytes.length) throw notDer(what, `is followed by ${bytes.length - node.end} trailing byte(s)`);
  return node;
}

/** The children of a constructed node; they must tile its content exactly. */
export function elements(node: DerNode, what: string): DerNode[] {
  if ((node.tag & 0x20) === 0) throw notDer(what, "is not a constructed value");
  const children: DerNode[] = [];
  let offset = node.contentStart;
  while (offset < node.end) {
    const child = readNode(node.bytes, offset, node.end, `an element of ${what}`);
    children.push(child);
    offset = child.end;
  }
  return children;
}

function readNode(bytes: Uint8Array, offset: number, limit: number, what: string): DerNode {
  if (offset + 2 > limit) throw notDer(what, "is truncated");
  const tag = bytes[offset] as number;
  if ((tag & 0x1f) === 0x1f) throw notDer(what, "uses a high tag number, which no CSR field has");
  const first = bytes[offset + 1] as number;
  let length = first;
  let contentStart = offset + 2;
  if (first >= 0x80) {
    const count = first & 0x7f;
    if (count === 0) throw notDer(what, "uses an indefinite length (BER, not DER)");
    if (count > MAX_LENGTH_BYTES) throw notDer(what, "declares a length larger than any CSR");
    if (contentStart + count > limit) throw notDer(what, "is truncated");
    if (bytes[contentStart] === 0) throw notDer(what, "uses a non-minimal length encoding");
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (bytes[contentStart + i] as number);
    if (length < 0x80) throw notDer(what, "uses a non-minimal length encoding");
    contentStart += count;
  }
  const end = contentStart + length;
  if (end > limit) throw notDer(what, "is truncated (its length runs past the data that holds it)");
  return { tag, bytes, start: offset, contentStart, end };
}

export function expectTag(node: DerNode, tag: number, what: string): DerNode {
  if (node.tag !== tag) throw notDer(what, `must be ${TAG_NAMES[tag] ?? `tag 0x${tag.toString(16)}`}`);
  return node;
}

export const content = (node: DerNode): Uint8Array => node.bytes.subarray(node.contentStart, node.end);
export const encoded = (node: DerNode): Uint8Array => node.bytes.subarray(node.start, node.end);

/** Dotted text of an OBJECT IDENTIFIER; arcs beyond 2^53 are kept exact with bigint. */
export function readOid(node: DerNode, what: string): string {
  const value = content(expectTag(node, Tag.OID, what));
  if (value.length === 0) throw notDer(what, "is an empty OBJECT IDENTIFIER");
  if (((value[value.length - 1] as number) & 0x80) !== 0) throw notDer(what, "ends in the middle of an arc");
  const arcs: string[] = [];
  let arc = 0;
  let big: bigint | null = null;
  let arcStart = true;
  for (const byte of value) {
    if (arcStart && byte === 0x80) throw notDer(what, "has an OBJECT IDENTIFIER arc with a non-minimal encoding");
    arcStart = false;
    if (big === null && arc >= 2 ** 45) big = BigInt(arc);
    if (big === null) arc = arc * 128 + (byte & 0x7f);
    else big = big * 128n + BigInt(byte & 0x7f);
    if ((byte & 0x80) !== 0) continue;
    if (arcs.length === 0) {
      // X.690 §8.19.4: the first subidentifier packs the first two arcs as 40·X + Y.
      if (big === null) {
        const first = arc < 40 ? 0 : arc < 80 ? 1 : 2;
        arcs.push(String(first), String(arc - first * 40));
      } else {
        arcs.push("2", String(big - 80n));
      }
    } else {
      arcs.push(big === null ? String(arc) : String(big));
    }
    arc = 0;
    big = null;
    arcStart = true;
  }
  return arcs.join(".");
}

/** X.690 §11.1: TRUE is 0xFF, FALSE is 0x00, nothing else. */
export function readBoolean(node: DerNode, what: string): boolean {
  const value = content(expectTag(node, Tag.BOOLEAN, what));
  if (value.length !== 1 || (value[0] !== 0x00 && value[0] !== 0xff)) throw notDer(what, "is not a DER BOOLEAN (0x00 or 0xFF)");
  return value[0] === 0xff;
}

export function readNull(node: DerNode, what: string): void {
  if (expectTag(node, Tag.NULL, what).end !== node.contentStart) throw notDer(what, "is a NULL with content");
}

/** The magnitude of a non-negative, minimally encoded INTEGER, without its sign byte. */
export function readUnsignedInteger(node: DerNode, what: string): Uint8Array {
  const value = content(expectTag(node, Tag.INTEGER, what));
  const [first, second] = value;
  if (first === undefined) throw notDer(what, "is an empty INTEGER");
  if ((first & 0x80) !== 0) throw notDer(what, "is negative");
  if (first === 0 && second !== undefined) {
    if ((second & 0x80) === 0) throw notDer(what, "is an INTEGER with a non-minimal encoding");
    return value.subarray(1);
  }
  return value;
}

/** A BIT STRING that carries whole bytes (keys, signatures): its unused-bits count must be 0. */
export function readOctetAlignedBits(node: DerNode, what: string): Uint8Array {
  const value = content(expectTag(node, Tag.BIT_STRING, what));
  if (value.length === 0) throw notDer(what, "is an empty BIT STRING");
  if (value[0] !== 0) throw notDer(what, "must be a whole number of bytes");
  return value.subarray(1);
}

/**
 * A named-bit BIT STRING (keyUsage). X.690 §11.2.2: trailing zero bits are removed, so the last
 * bit encoded is a one, and the padding bits are zero.
 */
export function readNamedBits(node: DerNode, what: string): Uint8Array {
  const value = content(expectTag(node, Tag.BIT_STRING, what));
  const unused = value[0];
  if (unused === undefined || unused > 7) throw notDer(what, "has an invalid BIT STRING header");
  if (value.length === 1) {
    if (unused !== 0) throw notDer(what, "has an invalid BIT STRING header");
    return value.subarray(1);
  }
  const last = value[value.length - 1] as number;
  if ((last & ((1 << unused) - 1)) !== 0) throw notDer(what, "has non-zero padding bits");
  if ((last & (1 << unused)) === 0) throw notDer(what, "keeps trailing zero bits, which DER removes");
  return value.subarray(1);
}

