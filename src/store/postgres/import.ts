/**
 * importEvents on PostgreSQL (`events recover`): events sealed elsewhere, envelopes unchanged,
 * in one transaction holding the head row `FOR UPDATE` like an append (append.ts), fenced by
 * the writer lease the same way. plan-import.ts decides; this writes.
 */
import { and, eq, inArray, sql } from "drizzle-orm";
import type { StoredEvent } from "../../../events/index.js";
import type { ImportContext, ImportOutcome } from "../dialect.js";
import { EventLogNotInitialisedError } from "../dialect-errors.js";
import { assertLeaseHeld, epochAfterImport } from "../lease.js";
import { streamType } from "../plan-append.js";
import { planImport } from "../plan-import.js";
import { toEventRow } from "../rows.js";
import { esEvents, esLogHead, esStreams, nodeLease } from "../schema/postgres.js";
import { applyRowChanges } from "./apply-changes.js";
import type { PostgresConnection } from "./connection.js";
import { readLease } from "./lease.js";

/** Rows per INSERT, as in append.ts. */
const INSERT_CHUNK = 1000;

export async function importBatch({ db }: PostgresConnection, events: readonly StoredEvent[], ctx: ImportContext): Promise<ImportOutcome> {
  return db.transaction(async (tx) => {
    const [head] = await tx
      .select({ position: esLogHead.lastPosition, hash: esLogHead.lastHash })
      .from(esLogHead)
      .where(eq(esLogHead.id, 1))
      .for("update");
    if (!head) throw new EventLogNotInitialisedError();
    if (ctx.leaseEpoch !== null) assertLeaseHeld(await readLease(tx), ctx.serverId, ctx.leaseEpoch);
    if (events.length === 0) return { head, leaseEpoch: ctx.leaseEpoch };
    const streamIds = [...new Set(events.map((e) => e.sid))];
    const current = await tx
      .select({ streamId: esStreams.streamId, version: esStreams.version })
      .from(esStreams)
      .where(inArray(esStreams.streamId, streamIds));
    const plan = planImport(head, new Map(current.map((s) => [s.streamId, s.version])), events);

    const rows = plan.events.map(toEventRow);
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) await tx.insert(esEvents).values(rows.slice(i, i + INSERT_CHUNK));
    await tx
      .insert(esStreams)
      .values(
        [...plan.streams].map(([streamId, s]) => ({
          streamId,
          streamType: streamType(streamId),
          version: s.version,
          createdAt: s.createdAt,
          updatedAt: s.updatedAt,
        })),
      )
      .onConflictDoUpdate({
        target: esStreams.streamId,
        set: { version: sql`excluded.version`, updatedAt: sql`excluded.updated_at` },
      });
    await tx.update(esLogHead).set({ lastPosition: plan.head.position, lastHash: plan.head.hash }).where(eq(esLogHead.id, 1));
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
