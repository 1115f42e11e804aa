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

/** The eight 16-bit groups of an IPv6 address (zone id dropped), or undefined for anything else. */
function ipv6Groups(ip: string): number[] | undefined {
  const address = ip.replace(/%.*$/, "");
  if (isIP(address) !== 6) return undefined;
  // A trailing dotted IPv4 part (`::ffff:1.2.3.4`) is two groups written another way.
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
  const hex = dotted
    ? `${address.slice(0, dotted.index)}${((Number(dotted[1]) << 8) | Number(dotted[2])).toString(16)}:${((Number(dotted[3]) << 8) | Number(dotted[4])).toString(16)}`
    : address;
  const parse = (part: string): number[] => (part === "" ? [] : part.split(":").map((group) => Number.parseInt(group, 16)));
  const [head = "", tail] = hex.split("::");
  const left = parse(head);
  if (tail === undefined) return left;
  const right = parse(tail);
  return [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}

function mappedIpv4(groups: readonly number[]): string | undefined {
  if (groups.slice(0, 5).some((group) => group !== 0) || groups[5] !== 0xffff) return undefined;
  const [high = 0, low = 0] = groups.slice(6);
  return `${high >>> 8}.${high & 255}.${low >>> 8}.${low & 255}`;
}

function maskIpv6(groups: readonly number[], prefixLength: number): number[] {
  return groups.map((group, i) => {
    const kept = Math.min(16, Math.max(0, prefixLength - 16 * i));
    return group & ((0xffff << (16 - kept)) & 0xffff);
  });
}

/** RFC 5952 §4: lower case, no leading zeros, the first longest run of two or more zero groups as `::`. */
function formatIpv6(groups: readonly number[]): string {
  let runStart = -1;
  let runLength = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let end = i;
    while (end < 8 && groups[end] === 0) end++;
    if (end - i > runLength && end - i >= 2) [runStart, runLength] = [i, end - i];
    i = end;
  }
  const text = (part: readonly number[]): string => part.map((group) => group.toString(16)).join(":");
  if (runStart < 0) return text(groups);
  return `${text(groups.slice(0, runStart))}::${text(groups.slice(runStart + runLength))}`;
}
