/**
 * A DNS validation profile (reference certeasy-behaviour.md §3.4 `dns-validation-profiles[]`):
 * how the validator resolves names and which addresses it may connect to. The config loader
 * produces it; the validators only read it.
 */
import type { Cidr } from "../config/network.js";

export interface ResolverZone {
  /** zone suffixes this resolver answers for, lower-case without trailing dot; "" matches every name */
  readonly suffixes: readonly string[];
  /** explicit DNS servers as `host:port` (IPv6 as `[addr]:port`); empty = the system resolver */
  readonly dnsServers: readonly string[];
  /** `udp` (TCP only on truncation) or `tcp` */
  readonly protocol: "udp" | "tcp";
}

export interface ValidationProfile {
  readonly name: string;
  /** overall deadline of one validation attempt */
  readonly timeoutMs: number;
  /** first zone whose suffix matches the name (longest suffix wins) */
  readonly zones: readonly ResolverZone[];
  /** resolved addresses: denied first, then they must be allowed (reference §3.4) */
  readonly allowCidrs: readonly Cidr[];
  readonly denyCidrs: readonly Cidr[];
  /** ports validated on (RFC 8555 §8.3 and RFC 8737 say 80 and 443; tests and proxies move them) */
  readonly ports: { readonly http01: number; readonly tlsAlpn01: number };
}
