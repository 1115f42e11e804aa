/**
 * appendBatch on SQL Server (event-sourcing-and-style.md §1.7.3): one READ COMMITTED
 * transaction that first locks the head row, checks the writer lease (fencing), then reads the involved streams' versions, plans
 * the batch (plan-append.ts), writes events, streams and head, and applies the inline
 * projections' row changes. Any error rolls everything back.
 */
import type { ConnectionPool, Transaction } from "mssql";
import type { AppendCommand, AppendContext, AppendOutcome } from "../dialect.js";
import { assertLeaseHeld } from "../lease.js";
import { planAppend, streamType, type AppendPlan } from "../plan-append.js";
import { readLease } from "./lease.js";
import { toEventRow } from "../rows.js";
import {
  insertEventsSql,
  insertStreamsSql,
  lockHeadSql,
  updateHeadSql,
  updateStreamsSql,
  type MovedStream,
  type NewStream,
} from "./log-sql.js";
import { rowChangesSql } from "./projection-sql.js";
import { readHeadWith, readStreamVersions } from "./read.js";
import { affected, execute } from "./request.js";
import { inTransaction } from "./transaction.js";

/** A stream row changed although we held the head lock: something wrote around the store. */
export class StreamMovedUnderLockError extends Error {
  override readonly name = "StreamMovedUnderLockError";
}

async function writeStreams(
  tx: Transaction,
  plan: AppendPlan,
  before: ReadonlyMap<string, number>,
  at: number,
): Promise<void> {
  const created: NewStream[] = [];
  const moved: MovedStream[] = [];
  for (const [streamId, stream] of plan.streams) {
    const from = before.get(streamId);
    if (stream.created || from === undefined) {
      created.push({ streamId, streamType: streamType(streamId), version: stream.version });
    } else {
      moved.push({ streamId, from, to: stream.version });
    }
  }
  for (const statement of insertStreamsSql(created, at)) await execute(tx, statement);
  for (const statement of updateStreamsSql(moved, at)) {
    const updated = await affected(tx, statement);
    if (updated !== statement.rows) {
      throw new StreamMovedUnderLockError(
        `es_streams changed while the head lock was held (${updated} of ${statement.rows} streams matched their version)`,
      );
    }
  }
}

export async function appendBatch(
  pool: ConnectionPool,
  commands: readonly AppendCommand[],
  ctx: AppendContext,
): Promise<readonly AppendOutcome[]> {
  if (commands.length === 0) return [];
  return inTransaction(pool, async (tx) => {
    const head = await readHeadWith(tx, lockHeadSql);
    // Fencing (DESIGN §2 invariant 8): the lease changes hands only under the head lock we hold.
    if (ctx.leaseEpoch !== null) assertLeaseHeld(await readLease(tx), ctx.serverId, ctx.leaseEpoch);
    const versions = await readStreamVersions(tx, [...new Set(commands.map((c) => c.streamId))]);
    const now = ctx.now();
    const plan = planAppend(head, versions, commands, ctx, now);
    if (plan.events.length === 0) return plan.outcomes;

    for (const statement of insertEventsSql(plan.events.map(toEventRow))) await execute(tx, statement);
    await writeStreams(tx, plan, versions, Math.floor(now.getTime()));
    await execute(tx, updateHeadSql(plan.head));
    for (const statement of rowChangesSql(ctx.project(plan.events))) await execute(tx, statement);
    return plan.outcomes;
  });
}
