/** Orders by status (`certeasy_orders` in /metrics): one grouped COUNT, expiry applied as RFC 8555 §7.1.6 says. */
import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import { orderStatusTallyProjection } from "../../../projections/index.js";
import { toStoredEvent } from "../../../src/store/rows.js";
import { expectedAt, HOUR, lifecycleMix } from "../../support/order-lifecycles.js";
import type { SuiteContext } from "../event-store.suite.js";
import { appendContext, readWholeLog } from "./fixtures.js";

const NOW = new Date("2026-11-30T12:00:00Z");

export function orderCountTests({ migrated }: SuiteContext): void {
  it("counts orders by the status a client reads: pending and ready orders past expires are invalid", async () => {
    const { dialect, query } = await migrated();
    expect(await dialect.countOrdersByStatus(NOW)).toEqual({ pending: 0, ready: 0, processing: 0, valid: 0, invalid: 0 });

    const accountId = randomUUID();
    const rows: [status: string, expiresAt: number][] = [
      ["pending", NOW.getTime() + HOUR],
      ["pending", NOW.getTime() + HOUR],
      ["pending", NOW.getTime() - 1], // expired: invalid
      ["ready", NOW.getTime() + HOUR],
      ["ready", NOW.getTime()], // expires now: invalid (expiry.ts: expiresAt <= now)
      ["processing", NOW.getTime() - HOUR], // finalization started in time: stays processing
      ["valid", NOW.getTime() - HOUR], // a valid order keeps its status after expires
      ["valid", NOW.getTime() + HOUR],
      ["valid", NOW.getTime() + HOUR],
      ["invalid", NOW.getTime() + HOUR],
    ];
    for (const [status, expiresAt] of rows) {
      await query(
        "INSERT INTO acme_orders (order_id, account_id, status, identifiers, identifiers_hash, expires_at, authorization_ids, created_at, updated_at) " +
          `VALUES ('${randomUUID()}', '${accountId}', '${status}', '[]', '${"0".repeat(64)}', ${expiresAt}, '[]', ${NOW.getTime()}, ${NOW.getTime()})`,
      );
    }
    expect(await dialect.countOrdersByStatus(NOW)).toEqual({ pending: 2, ready: 1, processing: 1, valid: 3, invalid: 3 });
    // An hour later the other open orders have lapsed too.
    expect(await dialect.countOrdersByStatus(new Date(NOW.getTime() + HOUR))).toEqual({ pending: 0, ready: 0, processing: 1, valid: 3, invalid: 6 });
  });
}

/**
 * `certeasy_orders` is read from the order status tally, folded from the log: after the same
 * orders went through the writer's append (events plus inline projections), the tally and the
 * grouped COUNT of the table must agree, at `now` and once more orders have lapsed.
 */
export function orderTallyTests({ migrated }: SuiteContext): void {
  it("the tally folded from the log gives the grouped COUNT's numbers, lapsed orders included", async () => {
    const { dialect } = await migrated();
    const now = NOW.getTime();
    let clock = 0;
    const ctx = appendContext(randomUUID(), () => new Date(clock));
    for (const step of lifecycleMix(now)) {
      clock = step.at;
      const [outcome] = await dialect.appendBatch([{ streamId: step.streamId, expectedVersion: "any", events: [step.event] }], ctx);
      expect(outcome?.ok).toBe(true);
    }
    const tally = (await readWholeLog(dialect)).map(toStoredEvent).reduce((state, event) => orderStatusTallyProjection.evolve(state, event), orderStatusTallyProjection.initial);

    expect(tally.counts(NOW)).toEqual(expectedAt.now);
    expect(await dialect.countOrdersByStatus(NOW)).toEqual(expectedAt.now);
    const later = new Date(now + 2 * HOUR);
    expect(tally.counts(later)).toEqual(expectedAt.twoHoursLater);
    expect(await dialect.countOrdersByStatus(later)).toEqual(expectedAt.twoHoursLater);
  });
}
