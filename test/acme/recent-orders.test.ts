/**
 * The memory of orders in flight: an authorization or challenge is found through its order only
 * while that order is held — not while an append to it is in flight (suspended), not once it is
 * finished, forgotten or pushed out by newer orders — and never at an older version.
 */
import { describe, expect, it } from "vitest";
import type { OrderState, OrderStatus } from "../../src/domain/order/index.js";
import { RecentOrders } from "../../src/acme/orders/recent-orders.js";

function order(n: number, status: OrderStatus = "pending"): OrderState {
  return {
    orderId: `order-${n}`,
    accountId: "account-1",
    status,
    identifiers: [{ type: "dns", value: `n${n}.test` }],
    identifiersHash: "h",
    notBefore: null,
    notAfter: null,
    expires: "2026-12-07T00:00:00.000Z",
    policy: "default",
    profile: null,
    replacesCertificateId: null,
    authorizationIds: [`authz-${n}`],
    authorizations: [
      {
        authzId: `authz-${n}`,
        identifier: { type: "dns", value: `n${n}.test` },
        wildcard: false,
        status: "pending",
        expires: "2026-12-07T00:00:00.000Z",
        challenges: [{ challengeId: `challenge-${n}`, type: "http-01", token: "t", status: "pending", keyAuthorization: null, validated: null, error: null }],
      },
    ],
    error: null,
    csr: null,
    finalization: null,
    authority: null,
    fallbacks: [],
    submittingTo: null,
    pendingRequestId: null,
    pendingSince: null,
    certificate: null,
  };
}

describe("RecentOrders", () => {
  it("finds an authorization and a challenge through the order that holds them", () => {
    const recent = new RecentOrders(10);
    recent.remember({ state: order(1), version: 1 });
    expect(recent.authorization("authz-1")).toMatchObject({ order: { orderId: "order-1" }, authorization: { authzId: "authz-1" } });
    expect(recent.challenge("challenge-1")).toMatchObject({ order: { orderId: "order-1" }, authorization: { authzId: "authz-1" }, challenge: { challengeId: "challenge-1" } });
    expect(recent.authorization("authz-2")).toBeUndefined();
    expect(recent.challenge("authz-1")).toBeUndefined();
  });

  it("finds nothing while an append is in flight, then the state it left", () => {
    const recent = new RecentOrders(10);
    recent.remember({ state: order(1), version: 1 });
    recent.suspend("order-1");
    expect(recent.get("order-1")).toBeUndefined();
    expect(recent.authorization("authz-1")).toBeUndefined();
    recent.remember({ state: { ...order(1), status: "ready" }, version: 3 });
    expect(recent.authorization("authz-1")?.order.status).toBe("ready");
    // An older state arriving late does not replace it.
    recent.remember({ state: order(1), version: 2 });
    expect(recent.challenge("challenge-1")?.order.status).toBe("ready");
  });

  it("drops a finished order, a forgotten one and the oldest beyond its capacity, with their parts", () => {
    const recent = new RecentOrders(2);
    recent.remember({ state: order(1), version: 1 });
    recent.remember({ state: order(1, "valid"), version: 5 });
    expect(recent.size).toBe(0);
    expect(recent.authorization("authz-1")).toBeUndefined();

    recent.remember({ state: order(2), version: 1 });
    recent.forget(order(2, "ready"));
    expect(recent.challenge("challenge-2")).toBeUndefined();

    for (const n of [3, 4, 5]) recent.remember({ state: order(n), version: 1 });
    expect(recent.size).toBe(2);
    expect(recent.authorization("authz-3")).toBeUndefined();
    expect(recent.authorization("authz-5")?.order.orderId).toBe("order-5");
  });
});
