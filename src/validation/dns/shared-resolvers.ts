/**
 * c-ares resolvers shared by validations of the same zone and budget. A `Resolver` is a c-ares
 * channel: making one per validation read /etc/resolv.conf (for the system's servers) and opened
 * fresh UDP sockets for every order — a visible share of an http-01 validation's CPU. One kept
 * per (zone, timeout) answers any number of concurrent queries.
 *
 * A shared channel must not be cancelled by one validation's deadline (`cancel()` would fail the
 * other validations' queries too), so callers race their deadline instead; an abandoned query
 * ends on its own within the channel's timeout. A channel is renewed after `RENEW_AFTER_MS`, so
 * a change to the system's resolver configuration is picked up without a restart.
 */
import { Resolver } from "node:dns/promises";
import type { ResolverZone } from "../profile.js";

/** c-ares retries a query this many times, doubling its timeout each time */
export const RESOLVER_TRIES = 2;
const RENEW_AFTER_MS = 60_000;

interface Kept {
  readonly resolver: Resolver;
  readonly createdAt: number;
}

/** per zone of a profile (objects built once from config), then per query timeout */
const byZone = new WeakMap<ResolverZone, Map<number, Kept>>();
/** names no zone matches: the system's servers */
const systemResolvers = new Map<number, Kept>();

export function sharedResolver(zone: ResolverZone | undefined, timeoutMs: number, now: number = Date.now()): Resolver {
  const servers = zone !== undefined && zone.dnsServers.length > 0 ? zone.dnsServers : undefined;
  const kept = servers === undefined || zone === undefined ? systemResolvers : zoneResolvers(zone);
  const found = kept.get(timeoutMs);
  if (found !== undefined && now - found.createdAt < RENEW_AFTER_MS) return found.resolver;
  const resolver = new Resolver({ timeout: timeoutMs, tries: RESOLVER_TRIES });
  if (servers !== undefined) resolver.setServers([...servers]);
  kept.set(timeoutMs, { resolver, createdAt: now });
  return resolver;
}

function zoneResolvers(zone: ResolverZone): Map<number, Kept> {
  let kept = byZone.get(zone);
  if (kept === undefined) {
    kept = new Map();
    byZone.set(zone, kept);
  }
  return kept;
}
