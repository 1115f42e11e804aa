/**
 * Orders by the status a client reads (`certeasy_orders` in /metrics), folded from the log so a
 * scrape reads memory instead of counting the orders table (a sequential scan per scrape on
 * PostgreSQL). Hydrated from the log at boot like every memory projection, so a restart, a
 * restore, a standby taking over and a `projections rebuild` (which rewrites the tables from the
 * same log, DESIGN invariant 1) all give the counts a grouped COUNT of the table would.
 *
 * RFC 8555 §7.1.6: a pending or ready order past its `expires` is invalid, and no event says so
 * (src/domain/order/expiry.ts). The open orders wait in a heap by expiry; `lapse(now)` moves the
 * ones whose time has come to invalid and forgets them. A scrape lapses at its clock; the fold
 * lapses at each new order's commit time, so memory stays bounded by the orders that are still
 * open (those created within `acme.order-lifetime`, and those processing) even when nobody
 * scrapes.
 */
import { decodeEvent, OrderCreated, type StoredEvent } from "../../events/index.js";
import type { OrderRow } from "../tables/orders.js";
import { ExpiryHeap, type ExpiryEntry } from "./expiry-heap.js";
import type { MemoryProjection } from "./memory-projection.js";

export type OrderStatus = OrderRow["status"];
export type OrderStatusCounts = Readonly<Record<OrderStatus, number>>;

/** The order status each event moves its order into (RFC 8555 §7.1.6; projections/tables/orders.ts). */
export const ORDER_STATUS_OF: Readonly<Record<string, OrderStatus>> = {
  "acme.order.created": "pending",
  "acme.order.ready": "ready",
  "acme.order.finalizing": "processing",
  "acme.order.valid": "valid",
  "acme.order.invalid": "invalid",
};

/** An order not yet valid or invalid by its events and not yet lapsed. */
interface OpenOrder extends ExpiryEntry {
  readonly orderId: string;
  status: "pending" | "ready" | "processing";
}

const STREAM_PREFIX = "order:";

export class OrderStatusTally {
  readonly #counts: Record<OrderStatus, number> = { pending: 0, ready: 0, processing: 0, valid: 0, invalid: 0 };
  readonly #open = new Map<string, OpenOrder>();
  /** the pending and ready ones of `#open` (processing orders do not lapse) */
  readonly #expiries = new ExpiryHeap<OpenOrder>();

  /** Orders held in memory: the open ones not yet lapsed. */
  get openOrders(): number {
    return this.#open.size;
  }

  /** The counts at `now`, after moving the orders that lapsed by then to invalid. */
  counts(now: Date): OrderStatusCounts {
    this.lapse(now.getTime());
    return { ...this.#counts };
  }

  /** Pending and ready orders whose `expires` is at or before `now` become invalid (expiry.ts: `expiresAt <= now`). */
  lapse(now: number): void {
    for (let next = this.#expiries.peek(); next !== undefined && next.expiresAt <= now; next = this.#expiries.peek()) {
      this.#expiries.remove(next);
      this.#open.delete(next.orderId);
      this.#counts[next.status] -= 1;
      this.#counts.invalid += 1;
    }
  }

  /** Applies one order status event (ORDER_STATUS_OF); other events are ignored. */
  apply(event: StoredEvent): void {
    const status = ORDER_STATUS_OF[event.type];
    if (status === undefined) return;
    if (event.type === "acme.order.created") {
      // Only a new order grows memory, so lapsing here is enough to bound it.
      this.lapse(Date.parse(event.at));
      const order: OpenOrder = { orderId: event.sid.slice(STREAM_PREFIX.length), status: "pending", expiresAt: expiresOf(event), slot: -1 };
      this.#open.set(order.orderId, order);
      this.#expiries.push(order);
      this.#counts.pending += 1;
      return;
    }
    const orderId = event.sid.slice(STREAM_PREFIX.length);
    const order = this.#open.get(orderId);
    if (order === undefined) {
      this.#applyToClosed(orderId, status);
      return;
    }
    this.#counts[order.status] -= 1;
    this.#counts[status] += 1;
    if (status === "pending" || status === "ready") {
      order.status = status;
    } else if (status === "processing") {
      order.status = status;
      this.#expiries.remove(order);
    } else {
      this.#expiries.remove(order);
      this.#open.delete(order.orderId);
    }
  }

  /**
   * An event for an order no longer open. The decider moves valid and invalid orders nowhere
   * (src/domain/order/decide.ts), so this one had lapsed and is counted invalid. A verdict
   * recorded after `expires` may still make it ready — ready and expired is invalid, no change —
   * and a finalization decided just before `expires` but committed after it makes it processing,
   * which the table then says too.
   */
  #applyToClosed(orderId: string, status: OrderStatus): void {
    if (status !== "processing" && status !== "valid") return;
    this.#counts.invalid -= 1;
    this.#counts[status] += 1;
    // Open again until its certificate or its failure is recorded; processing does not lapse.
    if (status === "processing") this.#open.set(orderId, { orderId, status, expiresAt: Number.POSITIVE_INFINITY, slot: -1 });
  }
}

/**
 * `expires` of an `acme.order.created`. The current schema version is read as it is — this runs
 * for every order at each boot, and the writer validated the data before storing it; an older
 * version goes through its upcasters.
 */
function expiresOf(event: StoredEvent): number {
  const data = event.v === OrderCreated.version ? (event.data as { readonly expires?: unknown }) : decodeEvent(event).data;
  const expires = typeof data === "object" && data !== null && "expires" in data && typeof data.expires === "string" ? Date.parse(data.expires) : NaN;
  if (Number.isNaN(expires)) throw new TypeError(`${event.type} at ${event.gp} has no expires`);
  return expires;
}

/** `initial` is never written to: the first order event starts a fresh tally, so each fold owns its own. */
const initial = new OrderStatusTally();

export const orderStatusTallyProjection: MemoryProjection<OrderStatusTally> = {
  name: "order-status-tally",
  initial,
  evolve(state, event) {
    if (ORDER_STATUS_OF[event.type] === undefined) return state;
    const tally = state === initial ? new OrderStatusTally() : state;
    tally.apply(event);
    return tally;
  },
};
