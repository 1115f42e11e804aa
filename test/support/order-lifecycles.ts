/**
 * Orders taken through every status path `certeasy_orders` must count (RFC 8555 §7.1.6),
 * including the ones that lapse at `expires` with no event and the late events a lapsed order may
 * still get. Shared by the tally's unit test, the dialect suite (tally against the grouped COUNT
 * of the table) and the metrics bench.
 */
import { randomUUID } from "node:crypto";
import { OrderCreated, OrderFinalizing, OrderInvalid, OrderReady, OrderValid, type PendingEvent } from "../../events/index.js";

export const HOUR = 3_600_000;

/** One event of one order, at the instant it is committed. */
export interface OrderStep {
  readonly streamId: string;
  readonly at: number;
  readonly event: PendingEvent;
}

export type LaterStatus = "ready" | "processing" | "valid" | "invalid";

export function orderCreated(orderId: string, expiresAt: number): PendingEvent {
  const authzId = randomUUID();
  const expires = new Date(expiresAt).toISOString();
  return OrderCreated.create({
    orderId,
    accountId: randomUUID(),
    identifiers: [{ type: "dns", value: "tally.test" }],
    identifiersHash: "a".repeat(64),
    notBefore: null,
    notAfter: null,
    expires,
    policy: "default",
    profile: null,
    replacesCertificateId: null,
    authorizationIds: [authzId],
    newAuthorizations: [
      { authzId, identifier: { type: "dns", value: "tally.test" }, wildcard: false, expires, challenges: [{ challengeId: randomUUID(), type: "dns-01", token: "A".repeat(43) }] },
    ],
  });
}

export function orderMovedTo(status: LaterStatus): PendingEvent {
  switch (status) {
    case "ready":
      return OrderReady.create({});
    case "processing":
      return OrderFinalizing.create({ csr: "MIIB", authority: "local", fallbacks: [], publicKey: "MFkw", spkiSha256: "b".repeat(64), extraEkus: [] });
    case "valid":
      return OrderValid.create({ certificateId: randomUUID() });
    case "invalid":
      return OrderInvalid.create({ error: { type: "unauthorized", detail: "the challenge failed" } });
  }
}

/** An order created at `createdAt`, expiring at `expiresAt`, then moved through `moves` (status, at). */
export function orderLifecycle(createdAt: number, expiresAt: number, moves: readonly (readonly [LaterStatus, number])[] = []): OrderStep[] {
  const orderId = randomUUID();
  const streamId = `order:${orderId}`;
  return [{ streamId, at: createdAt, event: orderCreated(orderId, expiresAt) }, ...moves.map(([status, at]) => ({ streamId, at, event: orderMovedTo(status) }))];
}

/**
 * Nine orders seen at `now` and two hours later, every step in commit order. What a client reads
 * of them is in `expectedAt`.
 */
export function lifecycleMix(now: number): OrderStep[] {
  const steps = [
    orderLifecycle(now - HOUR, now + HOUR), // pending; lapses within two hours
    orderLifecycle(now - 2 * HOUR, now - 1), // lapsed: invalid
    orderLifecycle(now - HOUR, now + HOUR, [["ready", now - HOUR + 1]]), // ready; lapses within two hours
    orderLifecycle(now - HOUR, now, [["ready", now - HOUR + 1]]), // expires at now: invalid (expiresAt <= now)
    orderLifecycle(now - 3 * HOUR, now - HOUR, [["ready", now - 3 * HOUR + 1], ["processing", now - 2 * HOUR]]), // finalized in time: processing
    orderLifecycle(now - 3 * HOUR, now + HOUR, [["ready", now - 3 * HOUR + 2], ["processing", now - 3 * HOUR + 3], ["valid", now - 3 * HOUR + 4]]), // valid
    orderLifecycle(now - HOUR, now + HOUR, [["invalid", now - HOUR + 2]]), // invalid
    // A verdict recorded after expires still makes it ready (decide.ts): ready and expired is invalid.
    orderLifecycle(now - 3 * HOUR, now - 2 * HOUR, [["ready", now - HOUR]]),
    // Finalization decided before expires, committed just after: processing, as the table says.
    orderLifecycle(now - 3 * HOUR, now - 2 * HOUR, [["ready", now - 2 * HOUR - 10], ["processing", now - 2 * HOUR + 5]]),
  ].flat();
  return steps.sort((a, b) => a.at - b.at);
}

export const expectedAt = {
  now: { pending: 1, ready: 1, processing: 2, valid: 1, invalid: 4 },
  twoHoursLater: { pending: 0, ready: 0, processing: 2, valid: 1, invalid: 6 },
} as const;
