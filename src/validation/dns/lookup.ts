/**
 * The resolver a validation uses for one name: the zone's servers (or the system's) over UDP
 * through node, or over TCP through our own client when the zone says `protocol: tcp`.
 */
import type { Deadline } from "../deadline.js";
import type { ResolverZone } from "../profile.js";
import { createCaresLookup } from "./cares-lookup.js";
import type { DnsAnswer } from "./failure.js";
import { createTcpLookup } from "./tcp-lookup.js";

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
  return zone?.protocol === "tcp" ? createTcpLookup(zone, deadline) : createCaresLookup(zone, deadline);
}
