/**
 * importEvents on PostgreSQL (`events recover`): events sealed elsewhere, envelopes unchanged,
 * in one transaction holding the head row `FOR UPDATE` like an append (append.ts), fenced by
 * the writer lease the same way, with the writes pipelined the same way. plan-import.ts
 * decides; this writes.
 */
import type { StoredEvent } from "../../../events/index.js";
import type { ImportContext, ImportOutcome } from "../dialect.js";
import { epochAfterImport } from "../lease.js";
import { planImport } from "../plan-import.js";
import { toEventRow } from "../rows.js";
import { sendStatements } from "./apply-changes.js";
import type { PostgresConnection } from "./connection.js";
import { lockHeadAndReadVersions, logWrites } from "./log-writes.js";
import { projectionStatements } from "./recordset.js";

const RAISE_EPOCH = "update node_lease set epoch = $1 where id = 1 and holder_server_id = $2 and epoch = $3";

export async function importBatch({ client }: PostgresConnection, events: readonly StoredEvent[], ctx: ImportContext): Promise<ImportOutcome> {
  return client.begin(async (tx) => {
    const { head, versions } = await lockHeadAndReadVersions(tx, ctx, [...new Set(events.map((e) => e.sid))]);
    if (events.length === 0) return { head, leaseEpoch: ctx.leaseEpoch };
    const plan = planImport(head, versions, events);
    const projected = projectionStatements(ctx.project(plan.events));
    const writes = [...logWrites(tx, plan.events.map(toEventRow), plan.streams, plan.head), ...sendStatements(tx, projected)];
    let leaseEpoch = ctx.leaseEpoch;
    if (leaseEpoch !== null) {
      const raised = epochAfterImport(leaseEpoch, plan.maxEpoch);
      if (raised !== leaseEpoch) {
        writes.push(tx.unsafe(RAISE_EPOCH, [raised, ctx.serverId, leaseEpoch], { prepare: true }).execute());
        leaseEpoch = raised;
      }
    }
    await Promise.all(writes);
    return { head: plan.head, leaseEpoch };
  });
}
