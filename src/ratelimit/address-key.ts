/**
 * Who a per-address limit (`global`, `abuse`, `account-creation`; reference §7) counts a request
 * against.
 *
 * - IPv4: the address itself.
 * - IPv4-mapped IPv6 (`::ffff:192.0.2.1` as a dual-stack socket reports it, or the hex spelling
 *   `::ffff:c000:201` a proxy may forward): the IPv4 address it is (RFC 4291 §2.5.5.2), so a
 *   client does not get two buckets for arriving over two socket families.
 * - IPv6: the network of its first `rate-limiting.ipv6-prefix-length` bits (default 64). One
 *   host or subscriber normally holds a whole /64 (RFC 4291 §2.5.1: the low 64 bits are the
 *   interface identifier) and picks new addresses in it at will (RFC 8981 temporary addresses),
 *   so a per-address key would hand one client 2^64 fresh buckets.
 *
 * Anything else (no socket address in an in-process test) is its own key, unchanged.
 */
import { isIP } from "node:net";

export type AddressKey = (ip: string) => string;

const COLON = 0x3a;

export function addressKey(ipv6PrefixLength: number): AddressKey {
  if (!Number.isInteger(ipv6PrefixLength) || ipv6PrefixLength < 1 || ipv6PrefixLength > 128) {
    throw new RangeError(`an IPv6 prefix length is 1 to 128 bits, got ${ipv6PrefixLength}`);
  }
  return (ip) => {
    const groups = ipv6Groups(ip);
    if (groups === undefined) return ip;
    const ipv4 = mappedIpv4(groups);
    if (ipv4 !== undefined) return ipv4;
    if (ipv6PrefixLength === 128) return formatIpv6(groups);
    return `${formatIpv6(maskIpv6(groups, ipv6PrefixLength))}/${ipv6PrefixLength}`;
  };
}

/** The IPv4 address an IPv4-mapped IPv6 address stands for; any other address unchanged. */
export function unmappedAddress(ip: string): string {
  const groups = ipv6Groups(ip);
  return (groups && mappedIpv4(groups)) ?? ip;
}

/**
 * The eight 16-bit groups of an IPv6 address (zone id dropped), or undefined for anything else.
 * Runs on every request from an IPv6 client: plain loops, no closures (tsx, which runs the
 * server, wraps each closure it creates in a naming helper that costs more than the parse).
 */
function ipv6Groups(ip: string): number[] | undefined {
  if (!ip.includes(":")) return undefined;
  const zone = ip.indexOf("%");
  const address = zone < 0 ? ip : ip.slice(0, zone);
  if (isIP(address) !== 6) return undefined;
  const gap = address.indexOf("::");
  const left = hexGroups(gap < 0 ? address : address.slice(0, gap));
  if (gap < 0) return left;
  const right = hexGroups(address.slice(gap + 2));
  // `::` stands for as many zero groups as make eight
  for (let missing = 8 - left.length - right.length; missing > 0; missing--) left.push(0);
  for (const group of right) left.push(group);
  return left;
}

/** `a:b:c` → [a, b, c]; a trailing dotted IPv4 part (`ffff:1.2.3.4`) is two groups written another way. */
function hexGroups(part: string): number[] {
  const groups: number[] = [];
  if (part === "") return groups;
  let start = 0;
  for (let i = 0; i <= part.length; i++) {
    if (i < part.length && part.charCodeAt(i) !== COLON) continue;
    const piece = part.slice(start, i);
    start = i + 1;
    if (!piece.includes(".")) {
      groups.push(Number.parseInt(piece, 16));
      continue;
    }
    const octets = piece.split(".");
    groups.push((Number(octets[0]) << 8) | Number(octets[1]), (Number(octets[2]) << 8) | Number(octets[3]));
  }
  return groups;
}

function mappedIpv4(groups: readonly number[]): string | undefined {
  for (let i = 0; i < 5; i++) if (groups[i] !== 0) return undefined;
  if (groups[5] !== 0xffff) return undefined;
  const high = groups[6] ?? 0;
  const low = groups[7] ?? 0;
  return `${high >>> 8}.${high & 255}.${low >>> 8}.${low & 255}`;
}

function maskIpv6(groups: readonly number[], prefixLength: number): number[] {
  const masked: number[] = [];
  for (let i = 0; i < 8; i++) {
    const kept = Math.min(16, Math.max(0, prefixLength - 16 * i));
    masked.push((groups[i] ?? 0) & ((0xffff << (16 - kept)) & 0xffff));
  }
  return masked;
}

/** RFC 5952 §4: lower case, no leading zeros, the first longest run of two or more zero groups as `::`. */
function formatIpv6(groups: readonly number[]): string {
  let runStart = -1;
  let runLength = 1;
  for (let i = 0; i < 8; i++) {
    if (groups[i] !== 0) continue;
    let end = i;
    while (end < 8 && groups[end] === 0) end++;
    if (end - i > runLength) [runStart, runLength] = [i, end - i];
    i = end;
  }
  if (runStart < 0) return hexText(groups, 0, 8);
  return `${hexText(groups, 0, runStart)}::${hexText(groups, runStart + runLength, 8)}`;
}

function hexText(groups: readonly number[], from: number, to: number): string {
  let text = "";
  for (let i = from; i < to; i++) text += `${i > from ? ":" : ""}${(groups[i] ?? 0).toString(16)}`;
  return text;
}
