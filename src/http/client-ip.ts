/**
 * Which address a request came from, as the audit records it (reference §4.3 `server.
 * remote-ip-header`, `server.trusted-proxies`). The socket's peer is the client unless it is a
 * trusted proxy; then the forwarding header is read from the right, skipping hops that are
 * trusted proxies themselves, and the first untrusted hop is the client. A header from anyone
 * else is ignored: it is whatever the client wanted it to say.
 */
import { BlockList, isIP } from "node:net";
import type { Context } from "hono";
import { getConnInfo } from "@hono/node-server/conninfo";
import type { Cidr } from "../config/types.js";
import { unmappedAddress } from "../ratelimit/address-key.js";
import { uuidv7 } from "../store/uuid.js";
import type { AcmeEnv } from "./env.js";

export interface ClientIpPolicy {
  /** e.g. `X-Forwarded-For`; null: never read a header */
  readonly remoteIpHeader: string | null;
  readonly trustedProxies: readonly Cidr[];
}

export function trustedProxyList(cidrs: readonly Cidr[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) list.addSubnet(cidr.address, cidr.prefixLength, cidr.family);
  return list;
}

const family = (address: string): "ipv4" | "ipv6" | null => (isIP(address) === 4 ? "ipv4" : isIP(address) === 6 ? "ipv6" : null);

export function resolveClientIp(peer: string, forwarded: string | undefined, trusted: BlockList): string {
  // IPv4-mapped IPv6 (`::ffff:10.0.0.1`, what a dual-stack socket reports) is recorded as IPv4.
  let client = unmappedAddress(peer);
  if (!forwarded) return client;
  const isTrusted = (address: string): boolean => {
    const f = family(address);
    return f !== null && trusted.check(address, f);
  };
  if (!isTrusted(client)) return client;
  const hops = forwarded.split(",").map((hop) => unmappedAddress(hop.trim()));
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i] ?? "";
    if (family(hop) === null) return client; // garbage: stop at the last address we could vouch for
    client = hop;
    if (!isTrusted(hop)) return hop;
  }
  return client;
}

/**
 * Sets `c.get("clientIp")` and a fresh `c.get("requestId")` for the request log and the audit
 * (the meta of the events the request appends).
 */
export function requestContext(policy: ClientIpPolicy): (c: Context<AcmeEnv>) => void {
  const trusted = trustedProxyList(policy.trustedProxies);
  const header = policy.remoteIpHeader;
  return (c) => {
    const peer = socketAddress(c) ?? "unknown";
    c.set("clientIp", resolveClientIp(peer, header ? c.req.header(header) : undefined, trusted));
    c.set("requestId", uuidv7());
  };
}

function socketAddress(c: Context<AcmeEnv>): string | undefined {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    return undefined; // not served by node's HTTP server (in-process requests in tests)
  }
}
