/** /readyz needs at least one certificate authority that answers its health check. */
import { describe, expect, it } from "vitest";
import { authorityReadiness, type HealthProbe } from "../../src/node/readiness.js";

const healthy: HealthProbe = { health: async () => ({ healthy: true, detail: "ok" }) };
const unhealthy: HealthProbe = { health: async () => ({ healthy: false, detail: "issuing CA expired" }) };
const broken: HealthProbe = { health: async () => Promise.reject(new Error("connection refused")) };
const hanging: HealthProbe = { health: () => new Promise(() => undefined) };

describe("authority readiness", () => {
  it("is ready while one authority is healthy, and names each authority's state", async () => {
    const [check] = await authorityReadiness(new Map([["adcs", unhealthy], ["local", healthy]]), 1_000)();
    expect(check).toEqual({ name: "authorities", ready: true, detail: "adcs: issuing CA expired; local: healthy" });
  });

  it("is not ready when every authority fails, throws or hangs", async () => {
    const [check] = await authorityReadiness(new Map([["a", unhealthy], ["b", broken], ["c", hanging]]), 50)();
    expect(check?.ready).toBe(false);
    expect(check?.detail).toBe("a: issuing CA expired; b: connection refused; c: no answer within 50 ms");
  });
});
