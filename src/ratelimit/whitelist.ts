/**
 * The `rate-limiting.whitelist` (reference §7): addresses that bypass `global`,
 * `account-creation` and `order-creation`. Empty by default; nothing is trusted for being in a
 * private range.
 */
import { BlockList, isIP } from "node:net";
import type { Cidr } from "../config/types.js";
import { unmappedAddress } from "./address-key.js";

export type Whitelist = (ip: string) => boolean;

export function whitelist(cidrs: readonly Cidr[]): Whitelist {
  if (cidrs.length === 0) return () => false;
  const list = new BlockList();
  for (const cidr of cidrs) list.addSubnet(cidr.address, cidr.prefixLength, cidr.family);
  return (ip) => {
    // `::ffff:192.0.2.1` is the IPv4 client it maps, so `192.0.2.0/24` covers it.
    const address = unmappedAddress(ip);
    const version = isIP(address);
    return version !== 0 && list.check(address, version === 4 ? "ipv4" : "ipv6");
  };
}

