/**
 * A minimal, strict DER reader: enough to walk a certificate to its subject Name and to split a
 * SubjectPublicKeyInfo. Only single-octet tags and definite lengths exist in DER-encoded X.509,
 * so anything else is refused rather than guessed at.
 */
import { DerDecodingError } from "./errors.js";

export interface DerElement {
  readonly tag: number;
  /** offset of the tag octet */
  readonly start: number;
  /** offset of the first content octet */
  readonly contentStart: number;
  /** offset just past the last content octet */
  readonly end: number;
}

export function readElement(bytes: Uint8Array, offset: number, limit = bytes.length): DerElement {
  if (offset + 2 > limit) throw new DerDecodingError(`truncated DER at offset ${offset}`);
  const tag = bytes[offset] ?? 0;
  if ((tag & 0x1f) === 0x1f) throw new DerDecodingError(`multi-octet tag at offset ${offset}`);
  const first = bytes[offset + 1] ?? 0;
  let contentStart = offset + 2;
  let length = first;
  if (first & 0x80) {
    const octets = first & 0x7f;
    if (octets === 0 || octets > 4) throw new DerDecodingError(`unsupported length form at offset ${offset}`);
    if (contentStart + octets > limit) throw new DerDecodingError(`truncated length at offset ${offset}`);
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + (bytes[contentStart + i] ?? 0);
    contentStart += octets;
    // X.690 §10.1: the shortest length form only.
    if (length < 0x80 || (bytes[offset + 2] ?? 0) === 0) throw new DerDecodingError(`non-minimal length at offset ${offset}`);
  }
  const end = contentStart + length;
  if (end > limit) throw new DerDecodingError(`element at offset ${offset} runs past its container`);
  return { tag, start: offset, contentStart, end };
}

/** The single element that makes up `bytes`, refusing trailing data. */
export function readWhole(bytes: Uint8Array, expectedTag?: number): DerElement {
  const element = readElement(bytes, 0);
  if (element.end !== bytes.length) throw new DerDecodingError("trailing bytes after the DER element");
  expectTag(element, expectedTag);
  return element;
}

/** The elements directly inside a constructed element. */
export function childrenOf(bytes: Uint8Array, parent: DerElement): DerElement[] {
  const children: DerElement[] = [];
  for (let offset = parent.contentStart; offset < parent.end; ) {
    const child = readElement(bytes, offset, parent.end);
    children.push(child);
    offset = child.end;
  }
  return children;
}

export function expectTag(element: DerElement | undefined, tag: number | undefined): DerElement {
  if (!element) throw new DerDecodingError("a DER element is missing");
  if (tag !== undefined && element.tag !== tag) {
    throw new DerDecodingError(`expected tag 0x${tag.toString(16)} at offset ${element.start}, found 0x${element.tag.toString(16)}`);
  }
  return element;
}

export const contentOf = (bytes: Uint8Array, element: DerElement): Uint8Array => bytes.subarray(element.contentStart, element.end);
/** The element's complete encoding (tag, length and content), e.g. a Name copied verbatim. */
export const encodingOf = (bytes: Uint8Array, element: DerElement): Uint8Array => bytes.subarray(element.start, element.end);

/** Dotted text of an OBJECT IDENTIFIER's content octets (X.690 §8.19). */
export function decodeObjectIdentifier(content: Uint8Array): string {
  const arcs: bigint[] = [];
  let value = 0n;
  for (let i = 0; i < content.length; i++) {
    const octet = content[i] ?? 0;
    if (value === 0n && octet === 0x80) throw new DerDecodingError("non-minimal object identifier arc");
    value = (value << 7n) | BigInt(octet & 0x7f);
    if ((octet & 0x80) === 0) {
      arcs.push(value);
      value = 0n;
    } else if (i === content.length - 1) {
      throw new DerDecodingError("truncated object identifier");
    }
  }
  const [first] = arcs;
  if (first === undefined) throw new DerDecodingError("empty object identifier");
  const head = first < 80n ? [first / 40n, first % 40n] : [2n, first - 80n];
  return [...head, ...arcs.slice(1)].join(".");
}
