/**
 * Expiry is a matter of time, not of events (RFC 8555 §7.1.6): a pending or ready order past its
 * `expires` is invalid, a pending or valid authorization past its `expires` is expired. Deciders
 * and read models both ask here, so they never disagree.
 */
import type { AuthorizationStatus, OrderStatus } from "./state.js";

export function effectiveOrderStatus(order: { readonly status: OrderStatus; readonly expiresAt: number }, now: Date): OrderStatus {
  const open = order.status === "pending" || order.status === "ready";
  return open && order.expiresAt <= now.getTime() ? "invalid" : order.status;
}

export function effectiveAuthorizationStatus(
  authorization: { readonly status: AuthorizationStatus; readonly expiresAt: number },
  now: Date,
): AuthorizationStatus | "expired" {
  const live = authorization.status === "pending" || authorization.status === "valid";
  return live && authorization.expiresAt <= now.getTime() ? "expired" : authorization.status;
}
