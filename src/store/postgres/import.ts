/**
 * importEvents on PostgreSQL (`events recover`): events sealed elsewhere, envelopes unchanged,
 * in one transaction holding the head row `FOR UPDATE` like an append (append.ts), fenced by
 * the writer lease the same way. plan-import.ts decides; this writes.
 */
import { and, eq } from "drizzle-orm";
import type { StoredEvent } from "../../../events/index.js";
import type { ImportContext, ImportOutcome } from "../dialect.js";
import { epochAfterImport } from "../lease.js";
import { planImport } from "../plan-import.js";
import { toEventRow } from "../rows.js";
import { nodeLease } from "../schema/postgres.js";
import { applyRowChanges } from "./apply-changes.js";
import type { PostgresConnection } from "./connection.js";
import { lockHead, readStreamVersions, writeLog } from "./log-writes.js";

export async function importBatch({ db }: PostgresConnection, events: readonly StoredEvent[], ctx: ImportContext): Promise<ImportOutcome> {
  return db.transaction(async (tx) => {
    const head = await lockHead(tx, ctx);
    if (events.length === 0) return { head, leaseEpoch: ctx.leaseEpoch };
    const plan = planImport(head, await readStreamVersions(tx, [...new Set(events.map((e) => e.sid))]), events);
    await writeLog(tx, plan.events.map(toEventRow), plan.streams, plan.head);
    await applyRowChanges(tx, ctx.project(plan.events));
    let leaseEpoch = ctx.leaseEpoch;
    if (leaseEpoch !== null) {
      const raised = epochAfterImport(leaseEpoch, plan.maxEpoch);
      if (raised !== leaseEpoch) {
        await tx
          .update(nodeLease)
          .set({ epoch: raised })
          .where(and(eq(nodeLease.id, 1), eq(nodeLease.holderServerId, ctx.serverId), eq(nodeLease.epoch, leaseEpoch)));
        leaseEpoch = raised;
      }
    }
    return { head: plan.head, leaseEpoch };
  });
}
