/**
 * Authorization reuse (RFC 8555 §7.1.3) must not cost the account's whole history: newOrder
 * looks up the requested names only, through the (account_id, identifier_value) index. Before,
 * every newOrder read every authorization the account ever had, so an account that orders for
 * many names (a cert-manager instance) made each newOrder slower than the last.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { AcmeServices } from "../../src/acme/acme-services.js";
import { alwaysValid, openCore, registerAccount, respondedOrder, startServices } from "../support/acme-services.js";

let workdir: string;

afterEach(async () => {
  if (workdir) await rm(workdir, { recursive: true, force: true });
});

/** A new order for `name`, its http-01 challenge answered, waited until ready. */
async function validatedOrder(services: AcmeServices, accountId: string, name: string): Promise<string> {
  const { orderId, authzId } = await respondedOrder(services, accountId, name);
  await expect.poll(async () => (await services.orders.order(orderId))?.status, { timeout: 10_000 }).toBe("ready");
  return authzId;
}

describe("authorization reuse at newOrder", () => {
  it("reuses the valid authorization of the name, reading none of the account's other names", async () => {
    workdir = await mkdtemp(join(tmpdir(), "certeasy-reuse-"));
    const core = await openCore(workdir);
    const services = await startServices(core, workdir, alwaysValid);
    try {
      const accountId = await registerAccount(services);
      const reused = await validatedOrder(services, accountId, "kept.reuse.test");
      // History under other names: pending authorizations of orders never completed.
      for (let i = 0; i < 40; i++) {
        const other = await services.orders.create(accountId, { identifiers: [{ type: "dns", value: `other-${i}.reuse.test` }] }, {});
        expect(other.kind).toBe("ok");
      }

      const authorizationRowsRead: number[] = [];
      const readProjection = core.dialect.readProjection.bind(core.dialect);
      core.dialect.readProjection = async (table, where) => {
        const rows = await readProjection(table, where);
        if (table === "acme_authorizations") authorizationRowsRead.push(rows.length);
        return rows;
      };
      const again = await services.orders.create(accountId, { identifiers: [{ type: "dns", value: "kept.reuse.test" }, { type: "dns", value: "new.reuse.test" }] }, {});
      if (again.kind !== "ok") throw new Error("second order refused");

      // The reused authorization is listed; only the new name got an authorization of its own.
      expect(again.order.authorizationIds).toContain(reused);
      expect(again.order.authorizations.map((a) => a.identifier.value)).toEqual(["new.reuse.test"]);
      // One row for the reused name, none for the new one; the 40 other names are never read.
      expect(authorizationRowsRead.reduce((a, b) => a + b, 0)).toBe(1);
    } finally {
      await services.stop(1_000);
      await core.stop("shutdown");
    }
  });
});
