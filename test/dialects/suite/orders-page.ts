/** An account's orders list, a page at a time (RFC 8555 §7.1.2.1). */
import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import type { SuiteContext } from "../event-store.suite.js";

export function ordersPageTests({ migrated }: SuiteContext): void {
  it("reads one account's orders after a cursor, in id order, at most the limit", async () => {
    const { dialect, query } = await migrated();
    const accountId = randomUUID();
    const otherAccount = randomUUID();
    // Ids inserted out of order: the page must come back sorted by id, not by insertion.
    const ids = ["0190a000-0000-7000-8000-000000000003", "0190a000-0000-7000-8000-000000000001", "0190a000-0000-7000-8000-000000000002"];
    const insert = async (orderId: string, account: string): Promise<void> => {
      await query(
        "INSERT INTO acme_orders (order_id, account_id, status, identifiers, identifiers_hash, expires_at, authorization_ids, created_at, updated_at) " +
          `VALUES ('${orderId}', '${account}', 'pending', '[]', '${"0".repeat(64)}', 1, '[]', 1, 1)`,
      );
    };
    for (const id of ids) await insert(id, accountId);
    await insert("0190a000-0000-7000-8000-000000000000", otherAccount);

    const orderIds = (rows: readonly Record<string, unknown>[]): unknown[] => rows.map((r) => r["orderId"]);
    const sorted = [...ids].sort();
    expect(orderIds(await dialect.readOrdersPage(accountId, "", 2))).toEqual(sorted.slice(0, 2));
    expect(orderIds(await dialect.readOrdersPage(accountId, sorted[1] ?? "", 2))).toEqual(sorted.slice(2));
    expect(orderIds(await dialect.readOrdersPage(accountId, sorted[2] ?? "", 2))).toEqual([]);
    expect(orderIds(await dialect.readOrdersPage(otherAccount, "", 10))).toEqual(["0190a000-0000-7000-8000-000000000000"]);
    const [row] = await dialect.readOrdersPage(accountId, "", 1);
    expect(row?.["accountId"]).toBe(accountId);
    expect(row?.["status"]).toBe("pending");
  });
}
