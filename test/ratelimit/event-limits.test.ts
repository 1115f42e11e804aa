/**
 * The limiters read from the event log (reference §7, issue 5): account-creation,
 * order-creation, duplicate-certificate, failed-validation and pending-authorizations, fed
 * through the projection exactly as the server feeds it, with exact Retry-After.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { StoredEvent } from "../../events/index.js";
import type { RateLimitConfig } from "../../src/config/types.js";
import { RateLimiter, rateLimitProjection, type RateLimitLedger } from "../../src/ratelimit/index.js";
import {
  authorizationValid,
  certificateIssued,
  certificateRevoked,
  challengeInvalid,
  HOUR,
  Log,
  MINUTE,
  orderCreated,
  rateConfig,
  registered,
  T0,
} from "./support.js";

/** A limiter over a ledger folded from `log`, re-folded on each check (what the live projection holds). */
function limiterOver(log: Log, config: RateLimitConfig = rateConfig()) {
  const projection = rateLimitProjection(config);
  const fold = (): RateLimitLedger => log.events.reduce((state, event) => projection.evolve(state, event), projection.initial);
  return new RateLimiter({ config, ledger: fold });
}

const HASH = "c".repeat(64);
const order = (accountId: string, names: readonly string[], now: number, ip = "192.0.2.10") => ({
  accountId,
  ip,
  identifiers: names.map((value) => ({ type: "dns", value })),
  identifiersHash: HASH,
  now,
});

describe("account-creation (per IP, from acme.account.registered)", () => {
  it("allows 10 accounts from one address, then refuses until a token is back (6 minutes at 10/h)", () => {
    const log = new Log();
    const rl = limiterOver(log);
    for (let i = 0; i < 10; i++) {
      expect(rl.checkNewAccount("192.0.2.1", T0)).toEqual({ ok: true });
      log.append(registered(), T0, "192.0.2.1");
    }
    const refused = rl.checkNewAccount("192.0.2.1", T0 + 1_000);
    expect(refused).toMatchObject({ ok: false, limit: "account-creation", key: "192.0.2.1", retryAfterMs: 6 * MINUTE - 1_000 });
    expect(refused.ok ? "" : refused.detail).toBe("Too many new accounts from 192.0.2.1: at most 10 an hour (bursts of 10). Retry after 6 minutes.");
    expect(rl.checkNewAccount("192.0.2.1", T0 + 6 * MINUTE)).toEqual({ ok: true });
    expect(rl.checkNewAccount("192.0.2.2", T0)).toEqual({ ok: true });
  });

  it("is bypassed by a whitelisted address, and off when disabled", () => {
    const log = new Log();
    for (let i = 0; i < 20; i++) log.append(registered(), T0, "10.0.0.5");
    expect(limiterOver(log, rateConfig("  whitelist:\n    - 10.0.0.0/24\n")).checkNewAccount("10.0.0.5", T0)).toEqual({ ok: true });
    expect(limiterOver(log).checkNewAccount("10.0.0.5", T0)).toMatchObject({ ok: false, limit: "account-creation" });
    expect(limiterOver(log, rateConfig("  account-creation:\n    enabled: false\n")).checkNewAccount("10.0.0.5", T0)).toEqual({ ok: true });
  });
});

describe("order-creation (per account, from acme.order.created)", () => {
  it("allows a burst of 5 orders, then one every 3 minutes (20/h)", () => {
    const log = new Log();
    const rl = limiterOver(log);
    const account = randomUUID();
    for (let i = 0; i < 5; i++) {
      expect(rl.checkNewOrder(order(account, ["a.example.test"], T0))).toEqual({ ok: true });
      log.append(orderCreated({ accountId: account, names: ["a.example.test"], authzExpires: T0 + 24 * HOUR }).event, T0);
    }
    expect(rl.checkNewOrder(order(account, ["a.example.test"], T0))).toMatchObject({
      ok: false,
      limit: "order-creation",
      key: account,
      retryAfterMs: 3 * MINUTE,
    });
    expect(rl.checkNewOrder(order(account, ["a.example.test"], T0 + 3 * MINUTE))).toEqual({ ok: true });
  });

  it("spends one token per identifier from a budget of 100 an hour", () => {
    const log = new Log();
    const rl = limiterOver(log, rateConfig("  pending-authorizations:\n    max: 100\n"));
    const account = randomUUID();
    const names = Array.from({ length: 60 }, (_, i) => `host${i}.example.test`);
    log.append(orderCreated({ accountId: account, names, authzExpires: T0 + 24 * HOUR }).event, T0);
    const next = Array.from({ length: 41 }, (_, i) => `other${i}.example.test`);
    // 40 left; 41 needs one more token, back after 36s (3600s / 100)
    expect(rl.checkNewOrder(order(account, next, T0))).toMatchObject({ ok: false, limit: "order-creation", retryAfterMs: 36_000 });
    expect(rl.checkNewOrder(order(account, next.slice(0, 40), T0))).toEqual({ ok: true });
  });

  it("refuses an order larger than the whole budget, saying it never fits", () => {
    const rl = limiterOver(new Log(), rateConfig("  order-creation:\n    san-budget-per-account-per-hour: 3\n"));
    const refused = rl.checkNewOrder(order(randomUUID(), ["a.test", "b.test", "c.test", "d.test"], T0));
    expect(refused).toMatchObject({ ok: false, limit: "order-creation", retryAfterMs: HOUR });
    expect(refused.ok ? "" : refused.detail).toMatch(/^This order names 4 identifiers; an account may order at most 3 an hour/);
  });

  it("is bypassed by a whitelisted address", () => {
    const log = new Log();
    const account = randomUUID();
    for (let i = 0; i < 6; i++) log.append(orderCreated({ accountId: account, names: ["a.test"], authzExpires: T0 + HOUR }).event, T0);
    const config = rateConfig("  whitelist:\n    - 198.51.100.0/24\n  pending-authorizations:\n    max: 100\n");
    expect(limiterOver(log, config).checkNewOrder(order(account, ["a.test"], T0, "198.51.100.4"))).toEqual({ ok: true });
    expect(limiterOver(log, config).checkNewOrder(order(account, ["a.test"], T0, "192.0.2.4"))).toMatchObject({ limit: "order-creation" });
  });
});

describe("duplicate-certificate (per account and identifier set, from issued and revoked)", () => {
  it("refuses the sixth certificate in 168h until the oldest leaves the window; a revocation frees a slot", () => {
    const log = new Log();
    const rl = limiterOver(log);
    const account = randomUUID();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const certificateId = randomUUID();
      ids.push(certificateId);
      log.append(certificateIssued(account, HASH, T0 + i * HOUR, certificateId), T0 + i * HOUR);
    }
    const now = T0 + 10 * HOUR;
    const refused = rl.checkNewOrder(order(account, ["www.example.test"], now));
    expect(refused).toMatchObject({ ok: false, limit: "duplicate-certificate", key: `${account}:${HASH}`, retryAfterMs: 158 * HOUR });
    expect(refused.ok ? "" : refused.detail).toBe(
      "Too many certificates for exactly this set of identifiers: at most 5 unrevoked in 168 hours. Retry after 158 hours.",
    );
    expect(rl.checkNewOrder(order(account, ["www.example.test"], T0 + 168 * HOUR))).toEqual({ ok: true });
    // another account, or another set, is not affected
    expect(rl.checkNewOrder({ ...order(account, ["www.example.test"], now), identifiersHash: "d".repeat(64) })).toEqual({ ok: true });

    log.append(certificateRevoked(ids[2] as string, account), now);
    expect(rl.checkNewOrder(order(account, ["www.example.test"], now))).toEqual({ ok: true });
  });

  it("applies to whitelisted addresses", () => {
    const log = new Log();
    const account = randomUUID();
    for (let i = 0; i < 5; i++) log.append(certificateIssued(account, HASH, T0), T0);
    const rl = limiterOver(log, rateConfig("  whitelist:\n    - 10.0.0.0/8\n"));
    expect(rl.checkNewOrder(order(account, ["www.example.test"], T0, "10.1.1.1"))).toMatchObject({ limit: "duplicate-certificate" });
  });
});

describe("failed-validation (per account and name, from acme.challenge.invalid)", () => {
  it("refuses a name after 5 failures in 1h, counting the wildcard apart from its base", () => {
    const log = new Log();
    const rl = limiterOver(log);
    const account = randomUUID();
    for (let i = 0; i < 5; i++) {
      const created = orderCreated({ accountId: account, names: ["*.example.test", "ok.example.test"], authzExpires: T0 + 24 * HOUR });
      log.append(created.event, T0);
      log.append(challengeInvalid(created.authzIds[0] as string), T0);
    }
    const pendingRoom = "  pending-authorizations:\n    max: 100\n  order-creation:\n    enabled: false\n";
    const relaxed = limiterOver(log, rateConfig(pendingRoom));
    const now = T0 + MINUTE;
    expect(relaxed.checkNewOrder(order(account, ["*.example.test"], now))).toMatchObject({
      ok: false,
      limit: "failed-validation",
      key: `${account}:dns:*.example.test`,
      retryAfterMs: 59 * MINUTE,
    });
    expect(relaxed.checkNewOrder(order(account, ["example.test"], now))).toEqual({ ok: true });
    expect(relaxed.checkNewOrder(order(account, ["ok.example.test"], now))).toEqual({ ok: true });
    expect(relaxed.checkNewOrder(order(randomUUID(), ["*.example.test"], now))).toEqual({ ok: true });
    expect(relaxed.checkNewOrder(order(account, ["*.example.test"], T0 + HOUR))).toEqual({ ok: true });
    // order-creation comes first in the enforcement order
    expect(rl.checkNewOrder(order(account, ["*.example.test"], now))).toMatchObject({ limit: "order-creation" });
  });
});

describe("pending-authorizations (per account, from order.created and the authorization events)", () => {
  it("refuses at 30 pending until the soonest expires; valid ones and expired ones stop counting", () => {
    const log = new Log();
    const config = rateConfig("  order-creation:\n    enabled: false\n");
    const rl = limiterOver(log, config);
    const account = randomUUID();
    const first = orderCreated({ accountId: account, names: ["a0.test"], authzExpires: T0 + 2 * HOUR });
    log.append(first.event, T0);
    for (let i = 1; i < 30; i++) {
      log.append(orderCreated({ accountId: account, names: [`a${i}.test`], authzExpires: T0 + 3 * HOUR }).event, T0);
    }
    const refused = rl.checkNewOrder(order(account, ["b.test"], T0 + HOUR));
    expect(refused).toMatchObject({ ok: false, limit: "pending-authorizations", key: account, retryAfterMs: HOUR });
    // the soonest expiry passes: 29 left
    expect(rl.checkNewOrder(order(account, ["b.test"], T0 + 2 * HOUR))).toEqual({ ok: true });
    // or one leaves pending by validation
    log.append(authorizationValid(first.authzIds[0] as string, T0 + 30 * 24 * HOUR), T0 + HOUR);
    expect(rl.checkNewOrder(order(account, ["b.test"], T0 + HOUR))).toEqual({ ok: true });
    expect(limiterOver(log, rateConfig("  pending-authorizations:\n    enabled: false\n")).checkNewOrder(order(account, ["b.test"], T0))).toMatchObject({
      limit: "order-creation",
    });
  });
});

describe("the projection", () => {
  function history(): { log: Log; account: string } {
    const log = new Log();
    const account = randomUUID();
    let t = T0;
    for (let i = 0; i < 40; i++) {
      t += 7 * MINUTE;
      log.append(registered(), t, `192.0.2.${i % 3}`);
      const created = orderCreated({ accountId: account, names: [`n${i % 4}.test`, `*.w${i % 2}.test`], authzExpires: t + 2 * HOUR });
      log.append(created.event, t);
      if (i % 3 === 0) log.append(challengeInvalid(created.authzIds[1] as string), t + MINUTE);
      const certificateId = randomUUID();
      log.append(certificateIssued(account, HASH, t, certificateId), t + 2 * MINUTE);
      if (i % 5 === 0) log.append(certificateRevoked(certificateId, account), t + 3 * MINUTE);
    }
    return { log, account };
  }

  /** Every limiter's answer at a few instants, with budgets opened so each limiter is reached. */
  function answers(ledger: () => RateLimitLedger, account: string) {
    const config = rateConfig("  duplicate-certificate:\n    max-per-window: 30\n  failed-validation:\n    max-per-window: 2\n");
    const rl = new RateLimiter({ config, ledger });
    const out: unknown[] = [];
    for (const now of [T0 + 4 * HOUR, T0 + 5 * HOUR, T0 + 8 * HOUR]) {
      for (const ip of ["192.0.2.0", "192.0.2.1", "192.0.2.9"]) out.push(rl.checkNewAccount(ip, now));
      for (const names of [["n1.test"], ["*.w0.test"], ["*.w1.test"], ["w0.test"]]) out.push(rl.checkNewOrder(order(account, names, now)));
    }
    return out;
  }

  it("gives the same answers hydrated from the log then following committed$, as replaying everything", async () => {
    const { startLiveProjections } = await import("../../src/projection/live.js");
    const { toEventRow } = await import("../../src/store/rows.js");
    const { Subject } = await import("rxjs");
    type Dialect = Parameters<typeof startLiveProjections>[1]["dialect"];
    const { log, account } = history();
    const split = 73;
    const stored = log.events.slice(0, split).map(toEventRow);
    const dialect = {
      readAll: async (after: number, limit: number) => stored.filter((row) => row.position > after).slice(0, limit),
    } as unknown as Dialect;
    const committed$ = new Subject<StoredEvent>();
    const projection = rateLimitProjection(rateConfig());
    const live = await startLiveProjections([projection], { dialect, committed$, batchSize: 10 });
    for (const event of log.events.slice(split)) committed$.next(event);
    expect(live.caughtUp()).toBe(true);

    const replayed = rateLimitProjection(rateConfig());
    const folded = log.events.reduce((s, e) => replayed.evolve(s, e), replayed.initial);
    const liveAnswers = answers(() => live.state(projection), account);
    expect(liveAnswers).toEqual(answers(() => folded, account));
    // the comparison would see a difference: the answers are not all the same
    expect(new Set(liveAnswers.map((a) => JSON.stringify(a))).size).toBeGreaterThan(3);
    live.stop();
  });

  it("never writes to its initial state, so two folds do not share a ledger", () => {
    const projection = rateLimitProjection(rateConfig());
    const log = new Log();
    for (let i = 0; i < 10; i++) log.append(registered(), T0, "192.0.2.1");
    const first = log.events.reduce((s, e) => projection.evolve(s, e), projection.initial);
    expect(first).not.toBe(projection.initial);
    const rl = new RateLimiter({ config: rateConfig(), ledger: () => projection.initial });
    expect(rl.checkNewAccount("192.0.2.1", T0)).toEqual({ ok: true });
  });

  it("forgets what left its windows as the log moves on", () => {
    const log = new Log();
    const projection = rateLimitProjection(rateConfig());
    for (let i = 0; i < 1_000; i++) {
      const t = T0 + i * 2 * HOUR;
      log.append(registered(), t, `198.51.100.${i % 250}`);
      const created = orderCreated({ accountId: randomUUID(), names: ["x.test"], authzExpires: t + HOUR });
      log.append(created.event, t);
      log.append(challengeInvalid(created.authzIds[0] as string), t);
    }
    const ledger = log.events.reduce((s, e) => projection.evolve(s, e), projection.initial);
    expect(ledger.accountsByIp.keys).toBeLessThan(10);
    expect(ledger.ordersByAccount.keys).toBeLessThan(10);
    expect(ledger.failures.keys).toBeLessThan(10);
    expect(ledger.authorizations.size).toBeLessThan(10);
  });
});
