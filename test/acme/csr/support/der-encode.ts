/**
 * A tiny DER writer for building test CSRs byte by byte, independent of the reader under test, so
 * tests can produce exactly the (valid or broken) encodings they need.
 */
export type Bytes = Uint8Array;

export function concat(...parts: readonly Bytes[]): Bytes {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export function lengthBytes(length: number): Bytes {
  if (length < 0x80) return Uint8Array.of(length);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

export const tlv = (tag: number, ...content: readonly Bytes[]): Bytes => {
  const body = concat(...content);
  return concat(Uint8Array.of(tag), lengthBytes(body.length), body);
};

export const seq = (...content: readonly Bytes[]): Bytes => tlv(0x30, ...content);
export const set = (...content: readonly Bytes[]): Bytes => tlv(0x31, ...content);
export const octets = (content: Bytes): Bytes => tlv(0x04, content);
export const bits = (content: Bytes, unused = 0): Bytes => tlv(0x03, Uint8Array.of(unused), content);
export const bool = (value: boolean): Bytes => Uint8Array.of(0x01, 0x01, value ? 0xff : 0x00);
export const nul = (): Bytes => Uint8Array.of(0x05, 0x00);
export const ascii = (text: string): Bytes => Uint8Array.from(text, (c) => c.charCodeAt(0));
export const utf8 = (text: string): Bytes => tlv(0x0c, new TextEncoder().encode(text));
export const printable = (text: string): Bytes => tlv(0x13, ascii(text));
export const ia5 = (text: string): Bytes => tlv(0x16, ascii(text));

export function int(value: number | bigint): Bytes {
  let hex = BigInt(value).toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  const magnitude = Uint8Array.from(Buffer.from(hex, "hex"));
  return tlv(0x02, (magnitude[0] as number) & 0x80 ? concat(Uint8Array.of(0), magnitude) : magnitude);
}

export function oid(dotted: string): Bytes {
  const arcs = dotted.split(".").map(BigInt);
  const [first = 0n, second = 0n, ...rest] = arcs;
  const out: number[] = [];
  for (const arc of [first * 40n + second, ...rest]) {
    const chunk: number[] = [Number(arc & 0x7fn)];
    for (let v = arc >> 7n; v > 0n; v >>= 7n) chunk.unshift(Number(v & 0x7fn) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, Uint8Array.from(out));
}
