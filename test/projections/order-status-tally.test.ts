/**
 * The order status tally behind `certeasy_orders`: every status path, the orders that lapse at
 * `expires` with no event (RFC 8555 §7.1.6), late events on lapsed orders, and memory that holds
 * only the open orders. The dialect suite (test/dialects/suite/order-counts.ts) holds the same
 * mix against the grouped COUNT of the orders table.
 */
import { describe, expect, it } from "vitest";
import { GENESIS_HASH, sealEnvelope, type StoredEvent } from "../../events/index.js";
import { orderStatusTallyProjection, type OrderStatusTally } from "../../projections/index.js";
import { ExpiryHeap, type ExpiryEntry } from "../../projections/memory/expiry-heap.js";
import { HOUR, expectedAt, lifecycleMix, orderLifecycle, type OrderStep } from "../support/order-lifecycles.js";

const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);
const node = "11111111-1111-4111-8111-111111111111";

/** The steps as a stored log: positions, stream versions and the hash chain as the writer seals them. */
function stored(steps: readonly OrderStep[]): StoredEvent[] {
  const versions = new Map<string, number>();
  const out: StoredEvent[] = [];
  for (const { streamId, at, event } of steps) {
    const sv = (versions.get(streamId) ?? 0) + 1;
    versions.set(streamId, sv);
    out.push(
      sealEnvelope({
        at: new Date(at).toISOString(), data: event.data, eid: `e${out.length}`, gp: out.length + 1,
        meta: { node }, prev: out.at(-1)?.hash ?? GENESIS_HASH, sid: streamId, sv, type: event.type, v: event.v,
      }),
    );
  }
  return out;
}

const fold = (events: readonly StoredEvent[], from: OrderStatusTally = orderStatusTallyProjection.initial): OrderStatusTally =>
  events.reduce((state, event) => orderStatusTallyProjection.evolve(state, event), from);

describe("order status tally", () => {
  it("counts what a client reads: pending and ready orders past expires are invalid, late events included", () => {
    const tally = fold(stored(lifecycleMix(NOW)));
    expect(tally.counts(new Date(NOW))).toEqual(expectedAt.now);
    expect(tally.counts(new Date(NOW + 2 * HOUR))).toEqual(expectedAt.twoHoursLater);
  });

  it("moves an order at its expires between two scrapes, and an event after that lapse still counts", () => {
    const [created, ready] = stored(orderLifecycle(NOW - HOUR, NOW, [["ready", NOW - HOUR + 1]]));
    const tally = fold([created!, ready!]);
    expect(tally.counts(new Date(NOW - 1))).toMatchObject({ ready: 1, invalid: 0 });
    expect(tally.counts(new Date(NOW))).toMatchObject({ ready: 0, invalid: 1 });
    expect(tally.openOrders).toBe(0);

    // A finalization decided just before expires and committed after the scrape lapsed the order.
    const late = stored(orderLifecycle(NOW - HOUR, NOW, [["ready", NOW - HOUR + 1], ["processing", NOW + 3], ["valid", NOW + 4]]));
    const other = fold(late.slice(0, 2));
    expect(other.counts(new Date(NOW + 1))).toMatchObject({ ready: 0, invalid: 1 });
    fold(late.slice(2, 3), other);
    expect(other.counts(new Date(NOW + 3))).toEqual({ pending: 0, ready: 0, processing: 1, valid: 0, invalid: 0 });
    fold(late.slice(3), other);
    expect(other.counts(new Date(NOW + 5))).toEqual({ pending: 0, ready: 0, processing: 0, valid: 1, invalid: 0 });
  });

  it("keeps in memory only the orders still open, even when nobody scrapes", () => {
    const finished = Array.from({ length: 50 }, (_, i) => orderLifecycle(NOW + i, NOW + HOUR, [["ready", NOW + i + 1], ["processing", NOW + i + 2], ["valid", NOW + i + 3]]));
    const abandoned = Array.from({ length: 50 }, (_, i) => orderLifecycle(NOW + i, NOW + HOUR + i));
    const tally = fold(stored([...finished, ...abandoned].flat().sort((a, b) => a.at - b.at)));
    expect(tally.openOrders).toBe(50);
    // A new order committed after they expire lapses them in the fold itself.
    fold(stored(orderLifecycle(NOW + 2 * HOUR, NOW + 3 * HOUR)).map((e) => ({ ...e, gp: 1_000 })), tally);
    expect(tally.openOrders).toBe(1);
    expect(tally.counts(new Date(NOW + 2 * HOUR))).toEqual({ pending: 1, ready: 0, processing: 0, valid: 50, invalid: 50 });
  });

  it("leaves the shared initial state untouched, so every fold starts from zero", () => {
    fold(stored(lifecycleMix(NOW)));
    expect(orderStatusTallyProjection.initial.counts(new Date(NOW))).toEqual({ pending: 0, ready: 0, processing: 0, valid: 0, invalid: 0 });
  });
});

describe("expiry heap", () => {
  it("gives entries back by expiry whatever was removed early", () => {
    interface Entry extends ExpiryEntry {
      readonly id: number;
    }
    let seed = 42;
    const random = (): number => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const heap = new ExpiryHeap<Entry>();
    const entries: Entry[] = Array.from({ length: 500 }, (_, id) => ({ id, expiresAt: Math.floor(random() * 100), slot: -1 }));
    for (const entry of entries) heap.push(entry);
    const removed = new Set(entries.filter(() => random() < 0.4));
    for (const entry of removed) heap.remove(entry);
    for (const entry of removed) heap.remove(entry); // twice: a no-op
    const order: number[] = [];
    for (let next = heap.peek(); next !== undefined; next = heap.peek()) {
      heap.remove(next);
      order.push(next.expiresAt);
    }
    const kept = entries.filter((e) => !removed.has(e)).map((e) => e.expiresAt);
    expect(order).toEqual(kept.sort((a, b) => a - b));
    expect(heap.size).toBe(0);
  });
});
