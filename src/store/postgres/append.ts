/**
 * appendBatch on PostgreSQL. READ COMMITTED is enough: `SELECT … FOR UPDATE` on the single
 * head row serialises appenders, so each one reads the stream versions and the head its
 * predecessor committed, and positions come out gap-free in commit order (DESIGN §2
 * invariant 3). The lock is always taken first, so appenders cannot deadlock each other.
 */
import { eq, inArray, sql } from "drizzle-orm";
import type { AppendCommand, AppendContext, AppendOutcome } from "../dialect.js";
import { EventLogNotInitialisedError } from "../dialect-errors.js";
import { assertLeaseHeld } from "../lease.js";
import { planAppend, streamType } from "../plan-append.js";
import { toEventRow } from "../rows.js";
import { esEvents, esLogHead, esStreams } from "../schema/postgres.js";
import { applyRowChanges } from "./apply-changes.js";
import type { PostgresConnection } from "./connection.js";
import { readLease } from "./lease.js";

/** Rows per INSERT: 10 parameters each stays far below PostgreSQL's 65535-parameter limit. */
const INSERT_CHUNK = 1000;

export async function appendBatch(
  { db }: PostgresConnection,
  commands: readonly AppendCommand[],
  ctx: AppendContext,
): Promise<readonly AppendOutcome[]> {
  if (commands.length === 0) return [];
  return db.transaction(async (tx) => {
    const [head] = await tx
      .select({ position: esLogHead.lastPosition, hash: esLogHead.lastHash })
      .from(esLogHead)
      .where(eq(esLogHead.id, 1))
      .for("update");
    if (!head) throw new EventLogNotInitialisedError();
    // Fencing (DESIGN §2 invariant 8): the lease changes hands only under the head lock we hold.
    if (ctx.leaseEpoch !== null) assertLeaseHeld(await readLease(tx), ctx.serverId, ctx.leaseEpoch);
    const streamIds = [...new Set(commands.map((c) => c.streamId))];
    const current = await tx
      .select({ streamId: esStreams.streamId, version: esStreams.version })
      .from(esStreams)
      .where(inArray(esStreams.streamId, streamIds));
    const now = ctx.now();
    const plan = planAppend(head, new Map(current.map((s) => [s.streamId, s.version])), commands, ctx, now);
    if (plan.events.length === 0) return plan.outcomes;

    const rows = plan.events.map(toEventRow);
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      await tx.insert(esEvents).values(rows.slice(i, i + INSERT_CHUNK));
    }
    const at = Math.floor(now.getTime());
    await tx
      .insert(esStreams)
      .values(
        [...plan.streams].map(([streamId, s]) => ({
          streamId,
          streamType: streamType(streamId),
          version: s.version,
          createdAt: at,
          updatedAt: at,
        })),
      )
      .onConflictDoUpdate({
        target: esStreams.streamId,
        set: { version: sql`excluded.version`, updatedAt: sql`excluded.updated_at` },
      });
    await tx
      .update(esLogHead)
      .set({ lastPosition: plan.head.position, lastHash: plan.head.hash })
      .where(eq(esLogHead.id, 1));
    await applyRowChanges(tx, ctx.project(plan.events));
    return plan.outcomes;
  });
}
