/**
 * The DNS message format (RFC 1035 §4.1), just enough of it to ask one question and read the
 * A, AAAA, CNAME, TXT and CAA records of the answer. Used by the DNS-over-TCP lookup, which exists
 * because node's resolver cannot be told to use TCP (profile `protocol: tcp`, reference §3.4).
 */
import { bytesToIp } from "../ip.js";

export const RecordType = { A: 1, CNAME: 5, TXT: 16, AAAA: 28, CAA: 257 } as const;
export type QueryType = typeof RecordType.A | typeof RecordType.AAAA | typeof RecordType.TXT | typeof RecordType.CAA;

const CLASS_IN = 1;
const HEADER_LENGTH = 12;
const FLAG_RECURSION_DESIRED = 0x0100;
const FLAG_RESPONSE = 0x8000;
const FLAG_TRUNCATED = 0x0200;

export type DnsRecord =
  | { readonly name: string; readonly type: typeof RecordType.A | typeof RecordType.AAAA; readonly address: string }
  | { readonly name: string; readonly type: typeof RecordType.CNAME; readonly target: string }
  | { readonly name: string; readonly type: typeof RecordType.TXT; readonly chunks: readonly string[] }
  /** RFC 8659 §4.1: the flags octet, the tag as sent (case kept), the value's octets as latin1 */
  | { readonly name: string; readonly type: typeof RecordType.CAA; readonly flags: number; readonly tag: string; readonly value: string };

export interface DnsResponse {
  readonly id: number;
  /** RFC 1035 §4.1.1 RCODE: 0 no error, 2 SERVFAIL, 3 NXDOMAIN (name error), 5 REFUSED… */
  readonly rcode: number;
  readonly truncated: boolean;
  readonly answers: readonly DnsRecord[];
}

export class DnsWireError extends Error {
  override readonly name = "DnsWireError";
}

/** A standard query (opcode 0) with recursion desired, one question, class IN. */
export function encodeQuery(id: number, name: string, type: QueryType): Uint8Array {
  const labels = name.replace(/\.$/, "").split(".").filter((l) => l !== "");
  const encodedName: number[] = [];
  for (const label of labels) {
    const bytes = Buffer.from(label, "ascii");
    if (bytes.length > 63) throw new DnsWireError(`the DNS label "${label}" is longer than 63 bytes`);
    encodedName.push(bytes.length, ...bytes);
  }
  encodedName.push(0);
  if (encodedName.length > 255) throw new DnsWireError("the DNS name is longer than 255 bytes");
  const message = Buffer.alloc(HEADER_LENGTH + encodedName.length + 4);
  message.writeUInt16BE(id, 0);
  message.writeUInt16BE(FLAG_RECURSION_DESIRED, 2);
  message.writeUInt16BE(1, 4); // QDCOUNT
  Buffer.from(encodedName).copy(message, HEADER_LENGTH);
  message.writeUInt16BE(type, HEADER_LENGTH + encodedName.length);
  message.writeUInt16BE(CLASS_IN, HEADER_LENGTH + encodedName.length + 2);
  return message;
}

/** Throws `DnsWireError` on anything malformed: a server's bytes are never trusted. */
export function decodeResponse(bytes: Uint8Array): DnsResponse {
  const message = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (message.length < HEADER_LENGTH) throw new DnsWireError("the DNS response is shorter than its header");
  const flags = message.readUInt16BE(2);
  if ((flags & FLAG_RESPONSE) === 0) throw new DnsWireError("the DNS message is not a response");
  const questions = message.readUInt16BE(4);
  const answerCount = message.readUInt16BE(6);
  let offset = HEADER_LENGTH;
  for (let i = 0; i < questions; i++) offset = readName(message, offset).next + 4;
  const answers: DnsRecord[] = [];
  for (let i = 0; i < answerCount; i++) {
    const owner = readName(message, offset);
    offset = owner.next;
    need(message, offset + 10);
    const type = message.readUInt16BE(offset);
    const rrClass = message.readUInt16BE(offset + 2);
    const length = message.readUInt16BE(offset + 8);
    const start = offset + 10;
    const end = start + length;
    need(message, end);
    offset = end;
    if (rrClass !== CLASS_IN) continue;
    const record = readRecord(message, owner.name, type, start, end);
    if (record !== undefined) answers.push(record);
  }
  return { id: message.readUInt16BE(0), rcode: flags & 0x000f, truncated: (flags & FLAG_TRUNCATED) !== 0, answers };
}

function readRecord(message: Buffer, name: string, type: number, start: number, end: number): DnsRecord | undefined {
  const data = message.subarray(start, end);
  switch (type) {
    case RecordType.A:
    case RecordType.AAAA: {
      if (data.length !== (type === RecordType.A ? 4 : 16)) throw new DnsWireError("an address record has the wrong length");
      return { name, type, address: bytesToIp(data) ?? "" };
    }
    case RecordType.CNAME:
      return { name, type, target: readName(message, start).name };
    case RecordType.TXT: {
      // RFC 1035 §3.3.14: one or more <character-string>s, each a length byte and its bytes.
      const chunks: string[] = [];
      for (let at = 0; at < data.length; ) {
        const length = data[at] ?? 0;
        if (at + 1 + length > data.length) throw new DnsWireError("a TXT record overruns its data");
        chunks.push(data.subarray(at + 1, at + 1 + length).toString("utf8"));
        at += 1 + length;
      }
      return { name, type, chunks };
    }
    case RecordType.CAA: {
      // RFC 8659 §4.1: flags, tag length (at least 1), tag, and the value as the rest of the data.
      const tagLength = data[1] ?? 0;
      if (data.length < 2 || tagLength === 0 || 2 + tagLength > data.length) throw new DnsWireError("a CAA record has a bad tag length");
      // latin1 keeps one character per octet, as node's resolver reports them.
      const tag = data.subarray(2, 2 + tagLength).toString("latin1");
      return { name, type, flags: data[0] ?? 0, tag, value: data.subarray(2 + tagLength).toString("latin1") };
    }
    default:
      return undefined;
  }
}

/** RFC 1035 §4.1.4: labels, possibly ending in a pointer to an earlier name. */
function readName(message: Buffer, start: number): { name: string; next: number } {
  const labels: string[] = [];
  let offset = start;
  let next: number | undefined;
  for (let jumps = 0; ; ) {
    need(message, offset + 1);
    const length = message[offset] ?? 0;
    if (length === 0) {
      next ??= offset + 1;
      break;
    }
    if ((length & 0xc0) === 0xc0) {
      need(message, offset + 2);
      const target = message.readUInt16BE(offset) & 0x3fff;
      // Pointers must go backwards; anything else could loop forever.
      if (target >= offset || ++jumps > 64) throw new DnsWireError("a DNS name pointer loops");
      next ??= offset + 2;
      offset = target;
      continue;
    }
    if ((length & 0xc0) !== 0) throw new DnsWireError("a DNS label has an unknown type");
    need(message, offset + 1 + length);
    labels.push(message.subarray(offset + 1, offset + 1 + length).toString("latin1").toLowerCase());
    offset += 1 + length;
  }
  return { name: labels.join("."), next };
}

function need(message: Buffer, end: number): void {
  if (end > message.length) throw new DnsWireError("the DNS response is cut short");
}
