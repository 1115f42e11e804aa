/**
 * A flood of distinct source addresses must not grow memory without bound (reference §7
 * limiters are per IP): the in-memory tables cap their keys and forget the least recently
 * touched. Measured with forced GC; the ceiling is generous, the number is printed.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { DEFAULT_MAX_KEYS, RateLimiter, RateLimitLedger } from "../../src/ratelimit/index.js";
import { rateConfig, T0 } from "./support.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

const ipv4 = (n: number): string => `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;

describe("memory under a flood of distinct addresses", () => {
  it("holds at most 100 000 addresses per table after 1 000 000 distinct ones", () => {
    const config = rateConfig();
    const ledger = new RateLimitLedger(config);
    const rl = new RateLimiter({ config, ledger: () => ledger });
    const before = heapUsed();
    const base = 0x0b000000;
    for (let i = 0; i < 1_000_000; i++) {
      const ip = ipv4(base + i);
      // all at one instant: no bucket is idle, so only the cap can keep the table small
      rl.checkRequest(ip, T0);
      if (i % 4 === 0) rl.recordAbuse(ip, 1, T0);
    }
    const grown = heapUsed() - before;
    const tracked = rl.trackedAddresses;
    expect(tracked.global).toBeLessThanOrEqual(DEFAULT_MAX_KEYS);
    expect(tracked.abuse).toBeLessThanOrEqual(DEFAULT_MAX_KEYS);
    expect(tracked.global).toBeGreaterThanOrEqual(DEFAULT_MAX_KEYS / 2);
    const perKey = grown / (tracked.global + tracked.abuse);
    console.log(`rate limiter after 1M distinct IPs: ${(grown / 1_048_576).toFixed(1)} MiB heap growth, ${perKey.toFixed(0)} bytes per tracked key`);
    expect(grown).toBeLessThan(64 * 1_048_576);
    // the most recent addresses are the ones remembered
    expect(rl.checkRequest(ipv4(base + 999_999), T0).ok).toBe(true);
  });

  it("drops idle buckets as it goes, so a steady trickle of new addresses stays well under the cap", () => {
    const config = rateConfig();
    const ledger = new RateLimitLedger(config);
    const rl = new RateLimiter({ config, ledger: () => ledger, maxKeys: 1_000 });
    // one request per ms from a new address: each bucket is full again 50ms later, so at most
    // ~50 are worth keeping; the young generation (500) plus those is the most ever held
    let most = 0;
    for (let i = 0; i < 200_000; i++) {
      rl.checkRequest(ipv4(0x0c000000 + i), T0 + i);
      most = Math.max(most, rl.trackedAddresses.global);
    }
    expect(most).toBeLessThan(600);
  });
});
