/**
 * IP address text and bytes: canonical forms for display and policy checks, IPv4-mapped IPv6
 * unwrapping (so `::ffff:127.0.0.1` is judged, and connected to, as `127.0.0.1`), and the reverse
 * names RFC 8738 §6 uses as the TLS SNI of an IP identifier.
 */
import { isIP, isIPv4, isIPv6 } from "node:net";

export function ipFamily(text: string): 4 | 6 | 0 {
  const family = isIP(text);
  return family === 4 || family === 6 ? family : 0;
}

/** 4 or 16 bytes, or undefined when `text` is not an IP address. */
export function ipToBytes(text: string): Uint8Array | undefined {
  if (isIPv4(text)) return Uint8Array.from(text.split(".").map(Number));
  if (!isIPv6(text)) return undefined;
  let body = text;
  const tail: number[] = [];
  // An embedded dotted quad (RFC 4291 §2.2 form 3) stands for the last two groups.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(body);
  if (dotted?.[1] !== undefined) {
    const v4 = dotted[1].split(".").map(Number) as [number, number, number, number];
    tail.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
    body = body.slice(0, -dotted[1].length);
    if (body.endsWith(":") && !body.endsWith("::")) body = body.slice(0, -1);
  }
  const groups = (part: string): number[] => (part === "" ? [] : part.split(":").map((g) => parseInt(g, 16)));
  const [headText = "", tailText] = body.split("::");
  const head = groups(headText);
  const rest = [...(tailText === undefined ? [] : groups(tailText)), ...tail];
  const zeros = new Array<number>(8 - head.length - rest.length).fill(0);
  const all = tailText === undefined && tail.length === 0 ? head : [...head, ...zeros, ...rest];
  const bytes = new Uint8Array(16);
  all.forEach((group, i) => {
    bytes[2 * i] = group >> 8;
    bytes[2 * i + 1] = group & 0xff;
  });
  return bytes;
}

export function bytesToIp(bytes: Uint8Array): string | undefined {
  if (bytes.length === 4) return Array.from(bytes).join(".");
  if (bytes.length !== 16) return undefined;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  return canonicalIpv6(groups.join(":"));
}

/** RFC 5952 text (lower-case, longest zero run compressed), via the WHATWG URL serialiser. */
function canonicalIpv6(text: string): string {
  return new URL(`http://[${text}]/`).hostname.slice(1, -1);
}

/**
 * The address to check and connect to: canonical text, with IPv4-mapped IPv6 unwrapped — the
 * kernel would connect `::ffff:127.0.0.1` to 127.0.0.1, so the policy must judge it as that.
 */
export function normaliseAddress(text: string): string | undefined {
  const bytes = ipToBytes(text);
  if (bytes === undefined) return undefined;
  if (bytes.length === 16 && isIpv4Mapped(bytes)) return bytesToIp(bytes.subarray(12));
  return bytesToIp(bytes);
}

export function isIpv4Mapped(bytes: Uint8Array): boolean {
  return bytes.length === 16 && bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
}

/** RFC 8738 §6: `4.3.2.1.in-addr.arpa`, or the 32-nibble `ip6.arpa` name (RFC 3596 §2.5). */
export function reverseName(ip: string): string | undefined {
  const bytes = ipToBytes(ip);
  if (bytes === undefined) return undefined;
  if (bytes.length === 4) return `${Array.from(bytes).reverse().join(".")}.in-addr.arpa`;
  const nibbles: string[] = [];
  for (const byte of bytes) nibbles.push((byte >> 4).toString(16), (byte & 0x0f).toString(16));
  return `${nibbles.reverse().join(".")}.ip6.arpa`;
}
