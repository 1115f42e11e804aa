/**
 * The order service's memory of the orders in flight: each as the last commit of its stream left
 * it (OrderService keeps it in step with its own appends; only this node appends), and which
 * order each authorization and challenge belongs to. A flow's requests follow each other within
 * seconds: the commands decide on these states instead of re-reading their streams, and the
 * POST-as-GETs of an order, its authorizations and its challenges (RFC 8555 §7.1) answer from
 * them instead of reading their rows — the same facts, as the same commits wrote them.
 */
import { findAuthorization, type AuthorizationState, type ChallengeState, type OrderState } from "../../domain/order/index.js";

export interface RecentOrder {
  readonly state: OrderState;
  /** the stream version `state` is at */
  readonly version: number;
}

export interface HeldAuthorization {
  readonly order: OrderState;
  readonly authorization: AuthorizationState;
}

export interface HeldChallenge extends HeldAuthorization {
  readonly challenge: ChallengeState;
}

export class RecentOrders {
  readonly #orders = new Map<string, RecentOrder>();
  /** authorization and challenge id → order id, for the orders held and those suspended */
  readonly #parts = new Map<string, string>();

  /** at most this many orders, the oldest go first (about 3 KB each) */
  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.#orders.size;
  }

  get(orderId: string): RecentOrder | undefined {
    return this.#orders.get(orderId);
  }

  /** The order as `entry` tells it, unless an entry of a later version is held already. */
  remember(entry: RecentOrder): void {
    const { orderId } = entry.state;
    // Never back to an older version: whatever order the writes arrive in, the entry only moves on.
    const held = this.#orders.get(orderId);
    if (held && held.version > entry.version) return;
    this.#orders.delete(orderId);
    // A finished order (valid or invalid, RFC 8555 §7.1.6) takes no more commands but a rare
    // revocation, which may read its stream: keeping it would fill the cache with done orders
    // (about 3 KB each, 33 MB at the cap in a heap snapshot of the sustained bench) instead of
    // the ones in flight.
    if (entry.state.status === "valid" || entry.state.status === "invalid") {
      this.forget(entry.state);
      return;
    }
    this.#orders.set(orderId, entry);
    for (const authorization of entry.state.authorizations) {
      this.#parts.set(authorization.authzId, orderId);
      for (const challenge of authorization.challenges) this.#parts.set(challenge.challengeId, orderId);
    }
    const oldest = this.#orders.size > this.capacity ? this.#orders.values().next().value : undefined;
    if (oldest) this.forget(oldest.state);
  }

  /** Not served while an append is in flight (its commit may land before it is remembered); its parts stay known. */
  suspend(orderId: string): void {
    this.#orders.delete(orderId);
  }

  /** Gone from memory with its parts: `order` may be any state of it (its authorizations and challenges never change). */
  forget(order: OrderState): void {
    this.#orders.delete(order.orderId);
    for (const authorization of order.authorizations) {
      this.#parts.delete(authorization.authzId);
      for (const challenge of authorization.challenges) this.#parts.delete(challenge.challengeId);
    }
  }

  /** The authorization, if the order that created it is held. */
  authorization(authzId: string): HeldAuthorization | undefined {
    const order = this.#heldOrderOf(authzId);
    const authorization = order ? findAuthorization(order, authzId) : undefined;
    return order && authorization ? { order, authorization } : undefined;
  }

  /** The challenge, if its order is held. */
  challenge(challengeId: string): HeldChallenge | undefined {
    const order = this.#heldOrderOf(challengeId);
    for (const authorization of order?.authorizations ?? []) {
      const challenge = authorization.challenges.find((c) => c.challengeId === challengeId);
      if (order && challenge) return { order, authorization, challenge };
    }
    return undefined;
  }

  #heldOrderOf(partId: string): OrderState | undefined {
    const orderId = this.#parts.get(partId);
    return orderId === undefined ? undefined : this.#orders.get(orderId)?.state;
  }
}
