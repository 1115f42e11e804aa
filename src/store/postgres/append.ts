/**
 * appendBatch on PostgreSQL. READ COMMITTED is enough: `SELECT … FOR UPDATE` on the single
 * head row serialises appenders, so each one reads the stream versions and the head its
 * predecessor committed, and positions come out gap-free in commit order (DESIGN §2
 * invariant 3). The lock is always taken first, so appenders cannot deadlock each other.
 *
 * Four round trips per batch, whatever its size: BEGIN; head lock + lease + stream versions
 * (two statements sent together, log-writes.ts); every write — events, streams, head, each
 * run of projection rows — sent together after the plan; COMMIT. The writes are pipelined:
 * PostgreSQL runs them in order, and if one fails the rest fail with it and the transaction
 * rolls back (postgres-js's `begin` then sends ROLLBACK), so no partial batch commits.
 */
import type { AppendCommand, AppendContext, AppendOutcome } from "../dialect.js";
import { planAppend } from "../plan-append.js";
import { toEventRow } from "../rows.js";
import { sendStatements } from "./apply-changes.js";
import type { PostgresConnection } from "./connection.js";
import { lockHeadAndReadVersions, logWrites } from "./log-writes.js";
import { projectionStatements } from "./recordset.js";

export async function appendBatch(
  { client }: PostgresConnection,
  commands: readonly AppendCommand[],
  ctx: AppendContext,
): Promise<readonly AppendOutcome[]> {
  if (commands.length === 0) return [];
  return client.begin(async (tx) => {
    const { head, versions } = await lockHeadAndReadVersions(tx, ctx, [...new Set(commands.map((c) => c.streamId))]);
    const now = ctx.now();
    const plan = planAppend(head, versions, commands, ctx, now);
    if (plan.events.length === 0) return plan.outcomes;
    const at = Math.floor(now.getTime());
    const streams = [...plan.streams].map(([streamId, s]) => [streamId, { version: s.version, createdAt: at, updatedAt: at }] as const);
    // Everything is built before the first write is sent: a projection that throws sends nothing.
    const projected = projectionStatements(ctx.project(plan.events));
    await Promise.all([...logWrites(tx, plan.events.map(toEventRow), streams, plan.head), ...sendStatements(tx, projected)]);
    return plan.outcomes;
  });
}
