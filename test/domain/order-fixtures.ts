/**
 * Shared givens of the order decider tests: fixed ids and times, a permissive policy, and the
 * "given these events, when this command" helpers (fold the stream, decide, read the answer).
 */
import { upcast, type PendingEvent } from "../../events/index.js";
import {
  decideOrder,
  foldOrder,
  isOrderEvent,
  type OrderCommand,
  type OrderDecision,
  type OrderPolicy,
  type OrderState,
} from "../../src/domain/order/index.js";
import { policy as issuancePolicy } from "./policy/fixtures.js";

export const DAY = 86_400_000;
export const created = new Date("2026-11-30T08:00:00.000Z");
export const later = new Date("2026-11-30T08:05:00.000Z");
export const accountId = "0193a0c4-5e6f-7a8b-9c0d-1e2f3a4b5c6d";
export const orderId = "0193a0c4-0000-7000-8000-0000000000aa";
export const thumbprint = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";

export const policy: OrderPolicy = {
  orderLifetimeMs: 7 * DAY,
  authorizationLifetimeMs: 7 * DAY,
  validAuthorizationLifetimeMs: 30 * DAY,
  certificateLifetimeMs: 90 * DAY,
  issuancePolicies: [issuancePolicy("default", { allow: ["./127", "*../127"], ip: ["0.0.0.0/0", "::/0"] })],
};

/** The n-th id a counting generator hands out. */
export const id = (n: number): string => `0193a0c4-0000-7000-8000-${n.toString(16).padStart(12, "0")}`;
export const token = (n: number): string => `tok${n}`.padEnd(43, "_");

export const fold = (events: readonly PendingEvent[]): OrderState => {
  const state = foldOrder(events.map((e) => upcast(e.type, e.v, e.data)).filter(isOrderEvent));
  if (!state) throw new Error("no order");
  return state;
};

export const when = (past: readonly PendingEvent[], command: OrderCommand, now: Date = later, p: OrderPolicy = policy): OrderDecision =>
  decideOrder(fold(past), command, p, now);

export const eventsOf = (decision: OrderDecision): PendingEvent[] => {
  if (decision.kind !== "accepted") throw new Error(`expected events, got ${JSON.stringify(decision)}`);
  return [...decision.events];
};

export const refusal = (decision: OrderDecision) => {
  if (decision.kind !== "rejected") throw new Error(`expected a refusal, got ${JSON.stringify(decision)}`);
  return decision.error;
};

/** The stream after these commands, each decided (under `p`) on the state the previous ones left. */
export const decidedUnder =
  (p: OrderPolicy) =>
  (past: readonly PendingEvent[], ...commands: OrderCommand[]): PendingEvent[] =>
    commands.reduce<PendingEvent[]>((events, command) => [...events, ...eventsOf(when(events, command, later, p))], [...past]);

export const after = decidedUnder(policy);
