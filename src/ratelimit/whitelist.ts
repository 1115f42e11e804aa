/**
 * The `rate-limiting.whitelist` (reference §7): addresses that bypass `global`,
 * `account-creation` and `order-creation`. Empty by default; nothing is trusted for being in a
 * private range.
 */
import { BlockList, isIP } from "node:net";
import type { Cidr } from "../config/types.js";
import { unmappedAddress } from "./address-key.js";

export type Whitelist = (ip: string) => boolean;

/**
 * Answers remembered per address. `BlockList.check` builds a `SocketAddress` per call, and the
 * `global` limit asks on every request, mostly about the same few clients; the list is fixed at
 * start-up, so an answer never goes stale. Bounded: a flood from many addresses empties the map
 * rather than growing it.
 */
export const WHITELIST_MEMO_SIZE = 4096;

export function whitelist(cidrs: readonly Cidr[]): Whitelist {
  if (cidrs.length === 0) return () => false;
  const list = new BlockList();
  for (const cidr of cidrs) list.addSubnet(cidr.address, cidr.prefixLength, cidr.family);
  const answers = new Map<string, boolean>();
  return (ip) => {
    const known = answers.get(ip);
    if (known !== undefined) return known;
    // `::ffff:192.0.2.1` is the IPv4 client it maps, so `192.0.2.0/24` covers it.
    const address = unmappedAddress(ip);
    const version = isIP(address);
    const listed = version !== 0 && list.check(address, version === 4 ? "ipv4" : "ipv6");
    if (answers.size >= WHITELIST_MEMO_SIZE) answers.clear();
    answers.set(ip, listed);
    return listed;
  };
}
