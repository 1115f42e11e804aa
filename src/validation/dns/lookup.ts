/**
 * The resolver a validation uses for one name: the zone's servers (or the system's) over UDP
 * through node, or over TCP through our own client when the zone says `protocol: tcp`. CAA goes
 * through our own client in both cases (over UDP, then TCP if truncated, for `protocol: udp`):
 * node's CAA records lose the octets after a NUL in a value (a malformed value read as a
 * shorter, valid one: fail-open), lose the flags of a record whose tag is "critical", and fail
 * the whole RRset on `issue ""`, which RFC 8659 §4.2 allows (nobody may issue).
 */
import type { Deadline } from "../deadline.js";
import type { ResolverZone } from "../profile.js";
import { createCaresLookup } from "./cares-lookup.js";
import type { DnsAnswer } from "./failure.js";
import { createWireLookup } from "./wire-lookup.js";

/**
 * One CAA resource record (RFC 8659 §4.1) as both lookups report it: whether the issuer critical
 * flag (bit 0, the octet's 128) is set, the property tag in lower case (tags are matched case
 * insensitively), and the value's octets, one character each.
 */
export interface CaaRecord {
  readonly critical: boolean;
  readonly tag: string;
  readonly value: string;
}

export interface DnsLookup {
  /** A and AAAA records (RFC 8555 §8.3, RFC 8737 §3), CNAMEs followed */
  addresses(name: string): Promise<DnsAnswer<string>>;
  /** TXT records, each with its strings joined (RFC 8555 §8.4), CNAMEs followed */
  txt(name: string): Promise<DnsAnswer<string>>;
  /** CAA records at exactly this name (RFC 8659 §4), CNAMEs followed; the caller climbs the tree */
  caa(name: string): Promise<DnsAnswer<CaaRecord>>;
}

export function dnsLookupFor(zone: ResolverZone | undefined, deadline: Deadline): DnsLookup {
  const servers = zone?.dnsServers ?? [];
  if (zone?.protocol === "tcp") return createWireLookup(servers, "tcp", deadline);
  const node = createCaresLookup(zone, deadline);
  // Made when asked: with no servers in the zone it reads the system's, a resolv.conf read that
  // a validation without CAA should not pay (shared-resolvers.ts).
  return { addresses: node.addresses, txt: node.txt, caa: (name) => createWireLookup(servers, "udp", deadline).caa(name) };
}
