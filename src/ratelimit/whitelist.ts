/**
 * The `rate-limiting.whitelist` (reference §7): addresses that bypass `global`,
 * `account-creation` and `order-creation`. Empty by default; nothing is trusted for being in a
 * private range.
 */
import { BlockList, isIP } from "node:net";
import type { Cidr } from "../config/types.js";

export type Whitelist = (ip: string) => boolean;

export function whitelist(cidrs: readonly Cidr[]): Whitelist {
  if (cidrs.length === 0) return () => false;
  const list = new BlockList();
  for (const cidr of cidrs) list.addSubnet(cidr.address, cidr.prefixLength, cidr.family);
  return (ip) => {
    const address = clientAddress(ip);
    const version = isIP(address);
    return version !== 0 && list.check(address, version === 4 ? "ipv4" : "ipv6");
  };
}

/**
 * A dual-stack socket reports IPv4 clients as `::ffff:192.0.2.1`; they are keyed and matched as
 * the IPv4 address they are, so `192.0.2.0/24` in the whitelist covers them.
 */
export function clientAddress(ip: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  return mapped?.[1] ?? ip;
}
