/**
 * The resolved-IP policy of a DNS validation profile (reference §3.4 `resolved-ip-policy`): an
 * address in a deny CIDR is refused; otherwise it must be in an allow CIDR, unless the allow
 * list is empty. This is what keeps validation from being turned into a request forgery tool
 * against the server's own network (RFC 8555 §10.4).
 *
 * One `net.BlockList` per family, because a single list matches IPv4 addresses against IPv6
 * rules through their IPv4-mapped form: `::/0` would then also allow (or deny) every IPv4
 * address, which is not what an operator writing `::/0` means.
 */
import { BlockList } from "node:net";
import type { Cidr } from "../config/network.js";
import { bytesToIp, ipFamily, ipToBytes, isIpv4Mapped } from "./ip.js";

export class AddressPolicy {
  private readonly allow = new FamilyLists();
  private readonly deny = new FamilyLists();
  private readonly allowAll: boolean;

  constructor(allowCidrs: readonly Cidr[], denyCidrs: readonly Cidr[]) {
    for (const cidr of allowCidrs) this.allow.add(cidr);
    for (const cidr of denyCidrs) this.deny.add(cidr);
    // The unspecified addresses reach this very host on Linux ("0.0.0.0" is the local
    // machine), whatever the operator allowed: never connect to them.
    this.deny.add({ address: "0.0.0.0", prefixLength: 8, family: "ipv4" });
    this.deny.add({ address: "::", prefixLength: 128, family: "ipv6" });
    this.allowAll = allowCidrs.length === 0;
  }

  /** `address` must be normalised (see `normaliseAddress`): IPv4-mapped forms unwrapped. */
  permits(address: string): boolean {
    if (this.deny.check(address)) return false;
    return this.allowAll || this.allow.check(address);
  }
}

class FamilyLists {
  private readonly v4 = new BlockList();
  private readonly v6 = new BlockList();

  add(cidr: Cidr): void {
    if (cidr.family === "ipv4") {
      this.v4.addSubnet(cidr.address, cidr.prefixLength, "ipv4");
      return;
    }
    this.v6.addSubnet(cidr.address, cidr.prefixLength, "ipv6");
    // A rule written in IPv4-mapped form (`::ffff:10.0.0.0/104`) is about IPv4 addresses, and
    // addresses reach the policy unwrapped to IPv4, so carry the rule over.
    const bytes = ipToBytes(cidr.address);
    if (bytes !== undefined && cidr.prefixLength >= 96 && isIpv4Mapped(bytes)) {
      const v4 = bytesToIp(bytes.subarray(12));
      if (v4 !== undefined) this.v4.addSubnet(v4, cidr.prefixLength - 96, "ipv4");
    }
  }

  check(address: string): boolean {
    const family = ipFamily(address);
    if (family === 4) return this.v4.check(address, "ipv4");
    if (family === 6) return this.v6.check(address, "ipv6");
    return false;
  }
}

/**
 * The order in which addresses are tried: IPv6 first, then IPv4 (what Let's Encrypt does for
 * RFC 8555 §8.3), each family in the order the resolver gave, duplicates removed.
 */
export function connectionOrder(addresses: readonly string[]): string[] {
  const unique = [...new Set(addresses)];
  return [...unique.filter((a) => ipFamily(a) === 6), ...unique.filter((a) => ipFamily(a) === 4)];
}
