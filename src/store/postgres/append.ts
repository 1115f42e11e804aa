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
 *
 * Once this dialect has committed a batch it knows the head it left, and a batch whose commands
 * all name the versions they expect goes out in one round trip instead (one-flight.ts); when
 * that flight's checks find that something changed, the batch is appended in four.
 */
import type postgres from "postgres";
import type { AppendCommand, AppendContext, AppendOutcome, LogHead } from "../dialect.js";
import { planAppend } from "../plan-append.js";
import { toEventRow } from "../rows.js";
import { sendStatements } from "./apply-changes.js";
import type { PostgresConnection } from "./connection.js";
import { lockHeadAndReadVersions, logWrites } from "./log-writes.js";
import { appendInOneFlight, STALE, type Appended } from "./one-flight.js";
import { projectionStatements } from "./recordset.js";

export async function appendBatch(
  { client, appender }: PostgresConnection,
  commands: readonly AppendCommand[],
  ctx: AppendContext,
): Promise<readonly AppendOutcome[]> {
  if (commands.length === 0) return [];
  const known = appender.head;
  // Unknown until this append has committed: a failed one may have left the head anywhere.
  appender.head = null;
  const flown = known === null ? STALE : await appendInOneFlight(appender.sql, known, commands, ctx);
  const appended = flown === STALE ? await appendInFourTrips(client, commands, ctx) : flown;
  appender.head = appended.head;
  return appended.outcomes;
}

async function appendInFourTrips(client: postgres.Sql, commands: readonly AppendCommand[], ctx: AppendContext): Promise<Appended> {
  return client.begin(async (tx): Promise<Appended> => {
    const { head, versions } = await lockHeadAndReadVersions(tx, ctx, [...new Set(commands.map((c) => c.streamId))]);
    const now = ctx.now();
    const plan = planAppend(head, versions, commands, ctx, now);
    if (plan.events.length === 0) return { outcomes: plan.outcomes, head };
    const at = Math.floor(now.getTime());
    const streams = [...plan.streams].map(([streamId, s]) => [streamId, { version: s.version, createdAt: at, updatedAt: at }] as const);
    // Everything is built before the first write is sent: a projection that throws sends nothing.
    const projected = projectionStatements(ctx.project(plan.events));
    await Promise.all([...logWrites(tx, plan.events.map(toEventRow), streams, plan.head), ...sendStatements(tx, projected)]);
    return { outcomes: plan.outcomes, head: plan.head satisfies LogHead };
  });
}
