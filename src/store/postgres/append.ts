/**
 * appendBatch on PostgreSQL. READ COMMITTED is enough: `SELECT … FOR UPDATE` on the single
 * head row serialises appenders, so each one reads the stream versions and the head its
 * predecessor committed, and positions come out gap-free in commit order (DESIGN §2
 * invariant 3). The lock is always taken first, so appenders cannot deadlock each other.
 */
import type { AppendCommand, AppendContext, AppendOutcome } from "../dialect.js";
import { planAppend } from "../plan-append.js";
import { toEventRow } from "../rows.js";
import { applyRowChanges } from "./apply-changes.js";
import type { PostgresConnection } from "./connection.js";
import { lockHead, readStreamVersions, writeLog } from "./log-writes.js";

export async function appendBatch(
  { db }: PostgresConnection,
  commands: readonly AppendCommand[],
  ctx: AppendContext,
): Promise<readonly AppendOutcome[]> {
  if (commands.length === 0) return [];
  return db.transaction(async (tx) => {
    const head = await lockHead(tx, ctx);
    const now = ctx.now();
    const versions = await readStreamVersions(tx, [...new Set(commands.map((c) => c.streamId))]);
    const plan = planAppend(head, versions, commands, ctx, now);
    if (plan.events.length === 0) return plan.outcomes;
    const at = Math.floor(now.getTime());
    const streams = [...plan.streams].map(([streamId, s]) => [streamId, { version: s.version, createdAt: at, updatedAt: at }] as const);
    await writeLog(tx, plan.events.map(toEventRow), streams, plan.head);
    await applyRowChanges(tx, ctx.project(plan.events));
    return plan.outcomes;
  });
}
