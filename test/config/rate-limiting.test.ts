/** The `rate-limiting` section (behaviour reference §7): defaults, partial sections, refusals naming the key. */
import { describe, expect, it } from "vitest";
import { parseConfigText } from "../../src/config/load.js";
import { MINIMAL, errorLines } from "./helpers.js";

const rateLimiting = (yaml: string) => parseConfigText(`${MINIMAL}rate-limiting:\n${yaml}`, "config.yml").rateLimiting;

describe("rate-limiting", () => {
  it("defaults to the v0.9.4 values of §7 with every limiter on and an empty whitelist", () => {
    expect(parseConfigText(MINIMAL, "config.yml").rateLimiting).toEqual({
      global: { enabled: true, requestsPerMinute: 1200, burst: 100 },
      abuse: { enabled: true, abusesBeforeBlock: 10, recoveryPerMinute: 20 },
      accountCreation: { enabled: true, perIpPerHour: 10, burst: 10 },
      orderCreation: { enabled: true, ordersPerAccountPerHour: 20, orderBurst: 5, sanBudgetPerAccountPerHour: 100 },
      duplicateCertificate: { enabled: true, maxPerWindow: 5, windowMs: 168 * 3_600_000 },
      failedValidation: { enabled: true, maxPerWindow: 5, windowMs: 3_600_000 },
      pendingAuthorizations: { enabled: true, max: 30 },
      whitelist: [],
      ipv6PrefixLength: 64,
    });
  });

  it("keeps the other keys at their defaults in a partial section", () => {
    const config = rateLimiting("  duplicate-certificate:\n    max-per-window: 2\n  whitelist:\n    - 10.0.0.0/8\n    - 192.0.2.7\n");
    expect(config.duplicateCertificate).toEqual({ enabled: true, maxPerWindow: 2, windowMs: 168 * 3_600_000 });
    expect(config.global.burst).toBe(100);
    expect(config.whitelist).toEqual([
      { address: "10.0.0.0", prefixLength: 8, family: "ipv4" },
      { address: "192.0.2.7", prefixLength: 32, family: "ipv4" },
    ]);
  });

  it("refuses an explicit 0 quota on an enabled limiter, and accepts it on a disabled one", () => {
    expect(errorLines(`${MINIMAL}rate-limiting:\n  order-creation:\n    order-burst: 0\n`)).toEqual([
      "config.yml: rate-limiting.order-creation.order-burst: expected a whole number of orders of at least 1, got 0 (an explicit 0 is refused while the limiter is enabled; set enabled: false to turn it off)",
    ]);
    expect(rateLimiting("  pending-authorizations:\n    enabled: false\n    max: 0\n").pendingAuthorizations).toEqual({ enabled: false, max: 0 });
  });

  it("refuses unknown keys, bad values and a 0 window, naming the key path", () => {
    expect(
      errorLines(
        `${MINIMAL}rate-limiting:\n  global:\n    rpm: 5\n  abuse:\n    enabled: "no"\n  failed-validation:\n    window: 0\n  account-creation:\n    burst: 2.5\n  whitelist:\n    - everyone\n`,
      ),
    ).toEqual([
      "config.yml: rate-limiting.global.rpm: unknown key; expected one of: enabled, requests-per-minute, burst",
      'config.yml: rate-limiting.abuse.enabled: expected true or false, got "no"',
      "config.yml: rate-limiting.account-creation.burst: expected a whole number of accounts, got 2.5",
      "config.yml: rate-limiting.failed-validation.window: expected a duration such as 500ms, 30s, 2m or 720h, got 0 (an explicit 0 is refused: the window would hold nothing)",
      'config.yml: rate-limiting.whitelist.0: expected an IP address or a CIDR such as 10.0.0.0/8, got "everyone"',
    ]);
    expect(errorLines(`${MINIMAL}rate-limiting:\n  per-ip: 3\n`)[0]).toMatch(
      /^config\.yml: rate-limiting\.per-ip: unknown key; expected one of: global, abuse, account-creation, order-creation, duplicate-certificate, failed-validation, pending-authorizations, whitelist, ipv6-prefix-length$/,
    );
  });

  it("takes ipv6-prefix-length from 1 to 128 bits, and refuses 0 and more than 128", () => {
    expect(rateLimiting("  ipv6-prefix-length: 56\n").ipv6PrefixLength).toBe(56);
    expect(rateLimiting("  ipv6-prefix-length: 128\n").ipv6PrefixLength).toBe(128);
    expect(errorLines(`${MINIMAL}rate-limiting:\n  ipv6-prefix-length: 0\n`)).toEqual([
      "config.yml: rate-limiting.ipv6-prefix-length: expected a whole number of bits of at least 1, got 0 (every IPv6 client would share one bucket)",
    ]);
    expect(errorLines(`${MINIMAL}rate-limiting:\n  ipv6-prefix-length: 129\n`)).toEqual([
      "config.yml: rate-limiting.ipv6-prefix-length: expected a whole number of bits from 1 to 128, got 129",
    ]);
  });
});
