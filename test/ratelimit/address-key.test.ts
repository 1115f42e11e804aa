/**
 * Per-address limits and IPv6 (issue 5): a client that owns a /64 cannot step around `global`,
 * `abuse` or `account-creation` by changing its interface identifier, and an IPv4 client seen
 * through a dual-stack socket is the IPv4 client it is.
 */
import { describe, expect, it } from "vitest";
import { RateLimiter, rateLimitProjection, RateLimitLedger } from "../../src/ratelimit/index.js";
import { addressKey, unmappedAddress } from "../../src/ratelimit/address-key.js";
import { Log, MINUTE, rateConfig, registered, T0 } from "./support.js";

describe("addressKey", () => {
  const per64 = addressKey(64);

  it("keys IPv4 by the address, and IPv4-mapped IPv6 in either spelling as that IPv4 address", () => {
    expect(per64("192.0.2.1")).toBe("192.0.2.1");
    expect(per64("::ffff:192.0.2.1")).toBe("192.0.2.1");
    expect(per64("::FFFF:c000:0201")).toBe("192.0.2.1");
    expect(per64("0:0:0:0:0:ffff:10.0.0.255")).toBe("10.0.0.255");
    expect(unmappedAddress("::ffff:c000:201")).toBe("192.0.2.1");
    expect(unmappedAddress("2001:db8::1")).toBe("2001:db8::1");
  });

  it("keys IPv6 by its /64 network in RFC 5952 form, whatever the spelling of the address", () => {
    expect(per64("2001:db8:1:2::1")).toBe("2001:db8:1:2::/64");
    expect(per64("2001:0DB8:0001:0002:aaaa:bbbb:cccc:dddd")).toBe("2001:db8:1:2::/64");
    expect(per64("2001:db8:1:3::1")).toBe("2001:db8:1:3::/64");
    expect(per64("fe80::1%eth0")).toBe("fe80::/64");
    expect(per64("::1")).toBe("::/64");
    // an IPv4-compatible-looking address that is not ::ffff: stays IPv6
    expect(per64("::1.2.3.4")).toBe("::/64");
    expect(per64("2001:db8:0:0:1::5")).toBe("2001:db8::/64");
  });

  it("honours other prefix lengths, including ones that cut a group, and 128 for single addresses", () => {
    expect(addressKey(48)("2001:db8:abcd:12::1")).toBe("2001:db8:abcd::/48");
    expect(addressKey(56)("2001:db8:abcd:12ff::1")).toBe("2001:db8:abcd:1200::/56");
    expect(addressKey(1)("ffff::")).toBe("8000::/1");
    expect(addressKey(128)("2001:0db8:0:0:1:0:0:5")).toBe("2001:db8::1:0:0:5");
    expect(addressKey(128)("2001:db8:1:0:1:2:3:4")).toBe("2001:db8:1:0:1:2:3:4");
    expect(() => addressKey(0)).toThrow(RangeError);
    expect(() => addressKey(129)).toThrow(RangeError);
  });

  it("leaves what is not an address alone", () => {
    expect(per64("unknown")).toBe("unknown");
    expect(per64("")).toBe("");
  });
});

describe("per-address limits over IPv6", () => {
  it("global: addresses of one /64 share a bucket, the next /64 has its own", () => {
    const config = rateConfig("  global:\n    burst: 3\n");
    const ledger = new RateLimitLedger(config);
    const rl = new RateLimiter({ config, ledger: () => ledger });
    for (const ip of ["2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff:ffff:ffff:ffff"]) expect(rl.checkRequest(ip, T0).ok).toBe(true);
    const refused = rl.checkRequest("2001:db8:1:2::dead:beef", T0);
    expect(refused).toMatchObject({ ok: false, limit: "global", key: "2001:db8:1:2::/64" });
    expect(refused.ok ? "" : refused.detail).toMatch(/^Too many requests from 2001:db8:1:2::\/64:/);
    expect(rl.checkRequest("2001:db8:1:3::1", T0).ok).toBe(true);
  });

  it("global: a prefix length of 128 counts each IPv6 address apart", () => {
    const config = rateConfig("  global:\n    burst: 1\n  ipv6-prefix-length: 128\n");
    const ledger = new RateLimitLedger(config);
    const rl = new RateLimiter({ config, ledger: () => ledger });
    expect(rl.checkRequest("2001:db8::1", T0).ok).toBe(true);
    expect(rl.checkRequest("2001:db8::2", T0).ok).toBe(true);
    expect(rl.checkRequest("2001:db8::1", T0)).toMatchObject({ ok: false, key: "2001:db8::1" });
  });

  it("global: an IPv4 client over a dual-stack socket shares its bucket with the plain IPv4 form", () => {
    const config = rateConfig("  global:\n    burst: 2\n");
    const ledger = new RateLimitLedger(config);
    const rl = new RateLimiter({ config, ledger: () => ledger });
    expect(rl.checkRequest("198.51.100.4", T0).ok).toBe(true);
    expect(rl.checkRequest("::ffff:198.51.100.4", T0).ok).toBe(true);
    expect(rl.checkRequest("::ffff:c633:6404", T0)).toMatchObject({ ok: false, key: "198.51.100.4" });
  });

  it("abuse: a /64 is marked as one client", () => {
    const config = rateConfig();
    const ledger = new RateLimitLedger(config);
    const rl = new RateLimiter({ config, ledger: () => ledger });
    for (let i = 1; i <= 10; i++) rl.recordAbuse(`2001:db8:9:9::${i.toString(16)}`, 1, T0);
    expect(rl.checkRequest("2001:db8:9:9::abcd", T0)).toMatchObject({ ok: false, limit: "abuse", key: "2001:db8:9:9::/64", retryAfterMs: 30_000 });
    expect(rl.checkRequest("2001:db8:9:a::1", T0).ok).toBe(true);
  });

  it("account-creation: accounts registered from one /64 are counted together, also after a rebuild from the log", () => {
    const config = rateConfig("  account-creation:\n    per-ip-per-hour: 2\n    burst: 2\n");
    const log = new Log();
    log.append(registered(), T0, "2001:db8:5:5::10");
    log.append(registered(), T0, "2001:db8:5:5:1:2:3:4");
    const projection = rateLimitProjection(config);
    const ledger = log.events.reduce((state, event) => projection.evolve(state, event), projection.initial);
    const rl = new RateLimiter({ config, ledger: () => ledger });
    expect(rl.checkNewAccount("2001:db8:5:5::99", T0)).toMatchObject({ ok: false, limit: "account-creation", key: "2001:db8:5:5::/64", retryAfterMs: 30 * MINUTE });
    expect(rl.checkNewAccount("2001:db8:5:6::99", T0).ok).toBe(true);
  });
});
