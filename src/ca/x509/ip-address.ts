/**
 * IP addresses in text form → the octets of an iPAddress GeneralName (RFC 5280 §4.2.1.6: four
 * octets for IPv4, sixteen for IPv6, network byte order).
 */
import { isIPv4, isIPv6 } from "node:net";

/** The address octets, or undefined when `text` is not a plain IPv4/IPv6 address (zones refused). */
export function ipAddressOctets(text: string): Uint8Array | undefined {
  if (isIPv4(text)) return Uint8Array.from(text.split(".").map(Number));
  // A zone ("fe80::1%eth0") names an interface on one host; it has no place in a certificate.
  if (!isIPv6(text) || text.includes("%")) return undefined;
  const halves = text.split("::");
  const head = hextets(halves[0] ?? "");
  const tail = halves.length === 2 ? hextets(halves[1] ?? "") : [];
  const words = halves.length === 2 ? [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail] : head;
  if (words.length !== 8) return undefined;
  const octets = new Uint8Array(16);
  words.forEach((word, i) => {
    octets[2 * i] = word >> 8;
    octets[2 * i + 1] = word & 0xff;
  });
  return octets;
}

/** 16-bit groups of one side of "::"; a trailing dotted IPv4 part (RFC 4291 §2.2) is two groups. */
function hextets(part: string): number[] {
  if (part === "") return [];
  return part.split(":").flatMap((group) => {
    if (!group.includes(".")) return [parseInt(group, 16)];
    const [a = 0, b = 0, c = 0, d = 0] = group.split(".").map(Number);
    return [(a << 8) | b, (c << 8) | d];
  });
}
