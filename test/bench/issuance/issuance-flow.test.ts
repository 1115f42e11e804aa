/**
 * The bench end to end against a real `certeasy serve` child: accounts, complete orders through
 * http-01 to a downloaded chain, and the server's CPU read from procfs. A change to the ACME
 * surface that the bench's small client no longer follows fails here, not in the middle of a
 * five-minute run.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDnsServer, type TestDnsServer } from "../../support/dns-server.js";
import { startHttp01Responder, type Http01Responder } from "../../support/challenge-responders.js";
import { startCerteasy } from "./certeasy-target.js";
import { requestLatencyLines } from "./report.js";
import { benchSession } from "./session.js";

describe("issuance bench against certeasy serve (SQLite)", () => {
  let dns: TestDnsServer;
  let http01: Http01Responder;

  beforeAll(async () => {
    [dns, http01] = await Promise.all([startDnsServer({ defaultA: "127.0.0.1" }), startHttp01Responder()]);
  });
  afterAll(async () => {
    await Promise.all([dns.close(), http01.close()]);
  });

  it("completes every order it plans, validating each one, and reports the server's CPU", async () => {
    const target = await startCerteasy({ driver: "sqlite", world: { dnsAddress: dns.address, http01Port: http01.port } });
    try {
      const lines: string[] = [];
      const [result] = await benchSession(target, {
        levels: [{ clients: 2, ordersPerClient: 2 }],
        warmup: { clients: 1, ordersPerClient: 1 },
        http01,
        flow: { pollDelayMs: 20, maxPolls: 250 },
        log: (line) => lines.push(line),
      });
      expect(result).toMatchObject({ target: "certeasy sqlite", clients: 2, orders: 4, serverDescendants: 0, databaseCpuMsPerOrder: undefined });
      expect(result?.serverCpuMsPerOrder).toBeGreaterThan(0);
      expect(result?.authzPollsPerOrder).toBeGreaterThanOrEqual(1);
      // valid-authorization-lifetime 0s: no order reuses an earlier authorization, so the
      // responder served one key authorization per order (warm-up included) to the validator.
      const validated = new Set(http01.requests.filter((r) => r.method === "GET").map((r) => r.path));
      expect(validated.size).toBe(5);
      expect(lines.join("\n")).toMatch(/2 clients × 2 orders/);
      // Every request of the flow is timed; Certeasy's finalize answers valid, so no order poll.
      const timed = result?.requestP50Ms ?? {};
      expect(Object.keys(timed)).toEqual(["newOrder", "authz", "challenge", "authz poll", "finalize", "download"]);
      for (const ms of Object.values(timed)) expect(ms).toBeGreaterThan(0);
      const [header, row] = requestLatencyLines(result ? [result] : [], 20);
      expect(header).toMatch(/newOrder .* order poll .* slept\/order/);
      expect(row).toMatch(/^2 clients .* - .* \d+$/);
    } finally {
      await target.stop();
    }
  }, 120_000);
});
