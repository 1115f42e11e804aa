/** The audit trace of a refusal: `ratelimit.denied` v1 on stream `ratelimit:<limit>`. */
import { describe, expect, it } from "vitest";
import { assertPendingEvent, isKnownEventType, RateLimitDenied, upcast } from "../../events/index.js";
import { RateLimiter, RateLimitLedger, rateLimitDeniedCommand } from "../../src/ratelimit/index.js";
import { rateConfig, T0 } from "./support.js";

describe("ratelimit.denied", () => {
  it("records the limit, the key and the Retry-After in whole seconds, at any stream version", () => {
    const config = rateConfig("  global:\n    burst: 1\n");
    const ledger = new RateLimitLedger(config);
    const rl = new RateLimiter({ config, ledger: () => ledger });
    rl.checkRequest("192.0.2.1", T0);
    const denial = rl.checkRequest("192.0.2.1", T0);
    if (denial.ok) throw new Error("expected a refusal");
    const command = rateLimitDeniedCommand(denial, { sourceIp: "192.0.2.1" });
    expect(command).toEqual({
      streamId: "ratelimit:global",
      expectedVersion: "any",
      events: [{ type: "ratelimit.denied", v: 1, data: { limit: "global", key: "192.0.2.1", retryAfterSeconds: 1 } }],
      meta: { sourceIp: "192.0.2.1" },
    });
    for (const event of command.events) assertPendingEvent(event);
    expect(isKnownEventType("ratelimit.denied")).toBe(true);
    expect(upcast("ratelimit.denied", 1, { limit: "abuse", key: "x", retryAfterSeconds: 30 })).toEqual({
      type: "ratelimit.denied",
      data: { limit: "abuse", key: "x", retryAfterSeconds: 30 },
    });
    expect(() => RateLimitDenied.create({ limit: "global", key: "", retryAfterSeconds: 1 })).toThrow();
  });
});
