import { describe, expect, it } from "vitest";
import { sharedResolver } from "../../src/validation/dns/shared-resolvers.js";
import type { ResolverZone } from "../../src/validation/profile.js";

const zone = (dnsServers: string[]): ResolverZone => ({ suffixes: [""], dnsServers, protocol: "udp" });

describe("shared c-ares resolvers", () => {
  it("keeps one channel per zone and timeout, with the zone's servers", () => {
    const first = zone(["127.0.0.1:5300"]);
    const t = 1_000_000;
    const resolver = sharedResolver(first, 500, t);
    expect(sharedResolver(first, 500, t + 1_000)).toBe(resolver);
    expect(resolver.getServers()).toEqual(["127.0.0.1:5300"]);
    expect(sharedResolver(first, 700, t)).not.toBe(resolver);
    expect(sharedResolver(zone(["127.0.0.1:5300"]), 500, t)).not.toBe(resolver);
  });

  it("renews a channel after a minute, so a changed system resolver configuration is read again", () => {
    const t = 2_000_000;
    const system = sharedResolver(undefined, 900, t);
    expect(sharedResolver(zone([]), 900, t + 59_999)).toBe(system);
    const renewed = sharedResolver(undefined, 900, t + 60_000);
    expect(renewed).not.toBe(system);
    expect(sharedResolver(undefined, 900, t + 60_001)).toBe(renewed);
  });
});
