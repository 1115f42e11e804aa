/**
 * The event-derived limits survive a restart (issue 5: "hit a limit, restart, still limited"):
 * a `serve` child process is driven into account-creation, order-creation and
 * pending-authorizations refusals, stopped with SIGTERM and started again on the same workdir;
 * the same clients are still refused by the same limit, with a Retry-After that kept counting
 * down instead of starting over. The product kept its failed-validation limiter in memory only
 * and lost it on restart; here all three are rebuilt from the log at boot.
 */
import { readFile } from "node:fs/promises";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { TestAccountKey } from "../acme/jws-fixtures.js";
import { createInstallation, httpsGet, killLeftoverChildren, rateLimitRefusals, type Installation } from "./harness.js";
import { parseExposition, samplesOf, valueOf } from "../observability/exposition.js";
import { problemOf, RawAcmeConnection, retryAfter, type RawAnswer } from "./raw-acme.js";

const RATE_LIMITED = "urn:ietf:params:acme:error:rateLimited";

let node: Installation;
beforeAll(async () => {
  // No whitelist: loopback is an ordinary client here.
  node = await createInstallation({
    rateLimiting: [
      "  account-creation:",
      "    per-ip-per-hour: 2",
      "    burst: 2",
      "  order-creation:",
      "    orders-per-account-per-hour: 2",
      "    order-burst: 2",
      "  pending-authorizations:",
      "    max: 2",
    ],
  });
});
afterEach(killLeftoverChildren);
afterAll(async () => node?.cleanup());

interface Refusal {
  readonly limit: RegExp;
  readonly retryAfterSeconds: number;
  readonly at: number;
}

function expectRefused(answer: RawAnswer, limit: RegExp): Refusal {
  expect(answer.status, answer.body).toBe(429);
  const problem = problemOf(answer);
  expect(problem.type).toBe(RATE_LIMITED);
  expect(problem.detail).toMatch(limit);
  const seconds = retryAfter(answer);
  expect(Number.isInteger(seconds) && seconds > 0, `Retry-After ${String(answer.headers["retry-after"])}`).toBe(true);
  return { limit, retryAfterSeconds: seconds, at: performance.now() };
}

/** Refused again after the restart, by the same limit, with what was left of the first wait. */
function expectStillRefused(answer: RawAnswer, before: Refusal): void {
  const again = expectRefused(answer, before.limit);
  const elapsed = (again.at - before.at) / 1000;
  // Whole seconds on both sides (each rounded up), so allow two seconds of rounding and latency.
  expect(again.retryAfterSeconds).toBeLessThanOrEqual(before.retryAfterSeconds);
  expect(Math.abs(again.retryAfterSeconds - (before.retryAfterSeconds - elapsed))).toBeLessThanOrEqual(2);
}

describe("event-derived rate limits across a restart", () => {
  it("still refuses the same clients after SIGTERM and a new boot, with Retry-After counting on", async () => {
    const first = await node.serve();
    const ca = await readFile(node.rootCaPath, "utf8");
    let acme = new RawAcmeConnection(node.baseUrl, ca);

    // account-creation: 2 an hour from this address.
    const accounts: { key: TestAccountKey; kid: string }[] = [];
    for (let i = 0; i < 2; i++) {
      const { answer, key, kid } = await acme.newAccount();
      expect(answer.status, answer.body).toBe(201);
      accounts.push({ key, kid: kid ?? "" });
    }
    const [a, b] = accounts as [{ key: TestAccountKey; kid: string }, { key: TestAccountKey; kid: string }];
    const accountRefusal = expectRefused((await acme.newAccount()).answer, /^Too many new accounts from 127\.0\.0\.1: at most 2 an hour/);
    // one token every 30 minutes
    expect(accountRefusal.retryAfterSeconds).toBeGreaterThan(29 * 60);

    // pending-authorizations: account A holds 2 pending authorizations after one order of two names.
    expect((await acme.newOrder(a.key, a.kid, ["a1.limits.test", "a2.limits.test"])).status).toBe(201);
    const pendingRefusal = expectRefused(await acme.newOrder(a.key, a.kid, ["a3.limits.test"]), /^Too many pending authorizations for this account: at most 2/);
    // until the soonest authorization expires: acme.authorization-lifetime, 24h by default
    expect(pendingRefusal.retryAfterSeconds).toBeGreaterThan(23 * 3600);

    // order-creation: account B's burst of 2 orders, then one every 30 minutes (checked before pending).
    expect((await acme.newOrder(b.key, b.kid, ["b1.limits.test"])).status).toBe(201);
    expect((await acme.newOrder(b.key, b.kid, ["b2.limits.test"])).status).toBe(201);
    const orderRefusal = expectRefused(await acme.newOrder(b.key, b.kid, ["b3.limits.test"]), /^Too many new orders for this account: at most 2 an hour/);
    expect(orderRefusal.retryAfterSeconds).toBeGreaterThan(29 * 60);
    acme.close();

    // `serve`'s /metrics (issue 6): every refusal by limiter, the three orders pending, and the
    // authority's health probe at boot timed.
    const scraped = await httpsGet(`${node.baseUrl}metrics`, ca);
    expect(scraped.status).toBe(200);
    const samples = parseExposition(scraped.body);
    for (const limiter of ["account-creation", "pending-authorizations", "order-creation"]) {
      expect(valueOf(samples, "certeasy_rate_limit_denials_total", { limiter }), limiter).toBe(1);
    }
    expect(valueOf(samples, "certeasy_orders", { status: "pending" })).toBe(3);
    expect(valueOf(samples, "certeasy_orders", { status: "valid" })).toBe(0);
    const probes = samplesOf(samples, "certeasy_authority_call_duration_seconds_count", { operation: "health", outcome: "healthy" });
    expect(probes.reduce((sum, s) => sum + s.value, 0)).toBeGreaterThanOrEqual(1);

    expect((await first.stop("SIGTERM")).code).toBe(0);
    const second = await node.serve();
    acme = new RawAcmeConnection(node.baseUrl, ca);
    try {
      expectStillRefused((await acme.newAccount()).answer, accountRefusal);
      expectStillRefused(await acme.newOrder(a.key, a.kid, ["a3.limits.test"]), pendingRefusal);
      expectStillRefused(await acme.newOrder(b.key, b.kid, ["b3.limits.test"]), orderRefusal);
    } finally {
      acme.close();
      expect((await second.stop("SIGTERM")).code).toBe(0);
    }

    // Both boots recorded their refusals for auditors, under the same keys.
    const denials = await rateLimitRefusals(node);
    const accountId = (kid: string): string => kid.slice(kid.lastIndexOf("/") + 1);
    expect(denials.sort()).toEqual(
      [
        "account-creation 127.0.0.1",
        "account-creation 127.0.0.1",
        `order-creation ${accountId(b.kid)}`,
        `order-creation ${accountId(b.kid)}`,
        `pending-authorizations ${accountId(a.kid)}`,
        `pending-authorizations ${accountId(a.kid)}`,
      ].sort(),
    );
  }, 240_000);
});
