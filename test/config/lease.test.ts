/** The `lease` section (DESIGN §2 invariant 8): defaults, durations, and the refusals that name the key. */
import { describe, expect, it } from "vitest";
import { parseConfigText } from "../../src/config/load.js";
import { MINIMAL, errorLines } from "./helpers.js";

const lease = (keys: string) => parseConfigText(`${MINIMAL}lease:\n${keys}`, "config.yml").lease;

describe("lease", () => {
  it("defaults to a 10s TTL renewed every 2s", () => {
    expect(parseConfigText(MINIMAL, "config.yml").lease).toEqual({ ttlMs: 10_000, renewIntervalMs: 2_000 });
    expect(lease("")).toEqual({ ttlMs: 10_000, renewIntervalMs: 2_000 });
  });

  it("reads both durations", () => {
    expect(lease("  ttl: 30s\n  renew-interval: 5s\n")).toEqual({ ttlMs: 30_000, renewIntervalMs: 5_000 });
  });

  it("refuses a renew-interval of half the TTL or more, naming the key", () => {
    expect(errorLines(`${MINIMAL}lease:\n  ttl: 4s\n  renew-interval: 2s\n`)).toEqual([
      "config.yml: lease.renew-interval: expected less than half of lease.ttl (4s), got 2s",
    ]);
    expect(errorLines(`${MINIMAL}lease:\n  renew-interval: 6s\n`)).toEqual([
      "config.yml: lease.renew-interval: expected less than half of lease.ttl (10s), got 6s",
    ]);
  });

  it("refuses a zero TTL and an unknown key", () => {
    expect(errorLines(`${MINIMAL}lease:\n  ttl: 0\n`)[0]).toMatch(/^config\.yml: lease\.ttl: .*an explicit 0 is refused/);
    expect(errorLines(`${MINIMAL}lease:\n  ttl-seconds: 10\n`)[0]).toMatch(/^config\.yml: lease\.ttl-seconds: unknown key/);
  });
});
