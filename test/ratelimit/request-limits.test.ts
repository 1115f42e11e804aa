/**
 * The in-memory limiters of reference §7: `global` (per-IP token bucket) and `abuse` (weighted
 * marking with recovery), with exact Retry-After under an injected clock, and the whitelist.
 */
import { describe, expect, it } from "vitest";
import { RateLimiter, RateLimitLedger, retryAfterSeconds } from "../../src/ratelimit/index.js";
import { rateConfig, T0 } from "./support.js";

function limiter(yaml = "") {
  const config = rateConfig(yaml);
  const ledger = new RateLimitLedger(config);
  return new RateLimiter({ config, ledger: () => ledger });
}

describe("global", () => {
  it("allows a burst of 100, then refuses with Retry-After until the next token (50ms at 1200/min)", () => {
    const rl = limiter();
    for (let i = 0; i < 100; i++) expect(rl.checkRequest("192.0.2.1", T0)).toEqual({ ok: true });
    const refused = rl.checkRequest("192.0.2.1", T0);
    expect(refused).toMatchObject({ ok: false, limit: "global", key: "192.0.2.1", retryAfterMs: 50 });
    expect(refused.ok ? "" : refused.detail).toBe("Too many requests from 192.0.2.1: at most 1200 a minute (bursts of 100). Retry after 1 second.");
    expect(rl.checkRequest("192.0.2.1", T0 + 49)).toMatchObject({ ok: false, retryAfterMs: 1 });
    expect(rl.checkRequest("192.0.2.1", T0 + 50)).toEqual({ ok: true });
    // other addresses have their own bucket
    expect(rl.checkRequest("192.0.2.2", T0)).toEqual({ ok: true });
  });

  it("refills completely after burst × interval", () => {
    const rl = limiter("  global:\n    requests-per-minute: 60\n    burst: 3\n");
    for (let i = 0; i < 3; i++) expect(rl.checkRequest("198.51.100.7", T0).ok).toBe(true);
    expect(rl.checkRequest("198.51.100.7", T0)).toMatchObject({ ok: false, retryAfterMs: 1_000 });
    for (let i = 0; i < 3; i++) expect(rl.checkRequest("198.51.100.7", T0 + 3_000).ok).toBe(true);
    expect(rl.checkRequest("198.51.100.7", T0 + 3_000)).toMatchObject({ ok: false, retryAfterMs: 1_000 });
  });

  it("is skipped for whitelisted addresses and CIDRs, including IPv4-mapped IPv6 forms", () => {
    const rl = limiter("  global:\n    burst: 1\n  whitelist:\n    - 10.0.0.0/8\n    - 2001:db8::1\n");
    for (const ip of ["10.1.2.3", "::ffff:10.9.9.9", "2001:db8::1"]) {
      for (let i = 0; i < 5; i++) expect(rl.checkRequest(ip, T0)).toEqual({ ok: true });
    }
    expect(rl.checkRequest("172.16.0.1", T0).ok).toBe(true);
    // RFC 1918 space outside the list is not trusted
    expect(rl.checkRequest("172.16.0.1", T0)).toMatchObject({ ok: false, limit: "global" });
  });

  it("does nothing when disabled", () => {
    const rl = limiter("  global:\n    enabled: false\n    burst: 0\n");
    for (let i = 0; i < 500; i++) expect(rl.checkRequest("192.0.2.1", T0).ok).toBe(true);
  });

  it("rounds Retry-After up to whole seconds for the header and the event", () => {
    expect(retryAfterSeconds(50)).toBe(1);
    expect(retryAfterSeconds(1_000)).toBe(1);
    expect(retryAfterSeconds(1_001)).toBe(2);
  });
});

describe("abuse", () => {
  it("marks an address at 10 abuses and keeps it refused until the points drain (30s at 20/min)", () => {
    const rl = limiter();
    for (let i = 0; i < 9; i++) rl.recordAbuse("203.0.113.5", 1, T0);
    expect(rl.checkRequest("203.0.113.5", T0)).toEqual({ ok: true });
    rl.recordAbuse("203.0.113.5", 1, T0);
    expect(rl.checkRequest("203.0.113.5", T0)).toMatchObject({ ok: false, limit: "abuse", key: "203.0.113.5", retryAfterMs: 30_000 });
    // below the threshold but not yet recovered: still refused
    expect(rl.checkRequest("203.0.113.5", T0 + 15_000)).toMatchObject({ ok: false, retryAfterMs: 15_000 });
    expect(rl.checkRequest("203.0.113.5", T0 + 30_000)).toEqual({ ok: true });
    // back to normal: it takes another 10 to be marked again
    rl.recordAbuse("203.0.113.5", 1, T0 + 30_000);
    expect(rl.checkRequest("203.0.113.5", T0 + 30_000)).toEqual({ ok: true });
  });

  it("counts an unknown identifier as a quarter: 40 of them mark, 39 do not", () => {
    const rl = limiter();
    for (let i = 0; i < 39; i++) rl.recordAbuse("203.0.113.6", 0.25, T0);
    expect(rl.checkRequest("203.0.113.6", T0)).toEqual({ ok: true });
    rl.recordAbuse("203.0.113.6", 0.25, T0);
    expect(rl.checkRequest("203.0.113.6", T0)).toMatchObject({ ok: false, limit: "abuse", retryAfterMs: 30_000 });
  });

  it("ignores weight 0 and drains points over time, so slow abuse never marks", () => {
    const rl = limiter();
    for (let i = 0; i < 100; i++) rl.recordAbuse("203.0.113.7", 0, T0);
    // one abuse every 3s drains as fast as it comes at 20/min
    for (let i = 0; i < 100; i++) rl.recordAbuse("203.0.113.7", 1, T0 + i * 3_000);
    expect(rl.checkRequest("203.0.113.7", T0 + 300_000)).toEqual({ ok: true });
    expect(() => rl.recordAbuse("203.0.113.7", -1, T0)).toThrow(RangeError);
  });

  it("applies to whitelisted addresses, after the global check they skip", () => {
    const rl = limiter("  whitelist:\n    - 10.0.0.0/8\n");
    rl.recordAbuse("10.0.0.1", 10, T0);
    expect(rl.checkRequest("10.0.0.1", T0)).toMatchObject({ ok: false, limit: "abuse" });
  });

  it("is checked after global, and is off when disabled", () => {
    const rl = limiter("  global:\n    burst: 1\n");
    rl.recordAbuse("192.0.2.9", 10, T0);
    rl.checkRequest("192.0.2.9", T0);
    expect(rl.checkRequest("192.0.2.9", T0)).toMatchObject({ ok: false, limit: "global" });
    const off = limiter("  abuse:\n    enabled: false\n");
    off.recordAbuse("192.0.2.9", 100, T0);
    expect(off.checkRequest("192.0.2.9", T0)).toEqual({ ok: true });
  });
});
