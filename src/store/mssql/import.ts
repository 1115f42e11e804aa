/**
 * importEvents on SQL Server (`events recover`): events sealed elsewhere, envelopes unchanged,
 * in one READ COMMITTED transaction that first locks the head row WITH (UPDLOCK, HOLDLOCK) and
 * checks the writer lease, as an append does (append.ts). plan-import.ts decides; this writes.
 */
import type { ConnectionPool } from "mssql";
import type { StoredEvent } from "../../../events/index.js";
import type { ImportContext, ImportOutcome } from "../dialect.js";
import { assertLeaseHeld, epochAfterImport } from "../lease.js";
import { streamType } from "../plan-append.js";
import { planImport, type ImportPlan } from "../plan-import.js";
import { toEventRow } from "../rows.js";
import { StreamMovedUnderLockError } from "./append.js";
import { readLease } from "./lease.js";
import { raiseLeaseEpochSql } from "./lease-sql.js";
import { insertEventsSql, insertImportedStreamsSql, lockHeadSql, updateHeadSql, updateStreamsSql, type MovedStream } from "./log-sql.js";
import { rowChangesSql } from "./projection-sql.js";
import { readHeadWith, readStreamVersions } from "./read.js";
import { affected, execute } from "./request.js";
import { inTransaction } from "./transaction.js";
import type { Transaction } from "mssql";

/** New streams in one go; existing ones advanced from the version read under the lock, grouped by update time. */
async function writeStreams(tx: Transaction, plan: ImportPlan, before: ReadonlyMap<string, number>): Promise<void> {
  const created = [...plan.streams]
    .filter(([streamId]) => !before.has(streamId))
    .map(([streamId, s]) => ({ streamId, streamType: streamType(streamId), version: s.version, createdAt: s.createdAt, updatedAt: s.updatedAt }));
  for (const statement of insertImportedStreamsSql(created)) await execute(tx, statement);
  const movedAt = new Map<number, MovedStream[]>();
  for (const [streamId, s] of plan.streams) {
    const from = before.get(streamId);
    if (from === undefined) continue;
    const group = movedAt.get(s.updatedAt) ?? [];
    group.push({ streamId, from, to: s.version });
    movedAt.set(s.updatedAt, group);
  }
  for (const [at, moved] of movedAt) {
    for (const statement of updateStreamsSql(moved, at)) {
      const updated = await affected(tx, statement);
      if (updated !== statement.rows) {
        throw new StreamMovedUnderLockError(`es_streams changed while the head lock was held (${updated} of ${statement.rows} streams matched their version)`);
      }
    }
  }
}

export function importBatch(pool: ConnectionPool, events: readonly StoredEvent[], ctx: ImportContext): Promise<ImportOutcome> {
  return inTransaction(pool, async (tx) => {
    const head = await readHeadWith(tx, lockHeadSql);
    if (ctx.leaseEpoch !== null) assertLeaseHeld(await readLease(tx), ctx.serverId, ctx.leaseEpoch);
    if (events.length === 0) return { head, leaseEpoch: ctx.leaseEpoch };
    const versions = await readStreamVersions(tx, [...new Set(events.map((e) => e.sid))]);
    const plan = planImport(head, versions, events);
    for (const statement of insertEventsSql(plan.events.map(toEventRow))) await execute(tx, statement);
    await writeStreams(tx, plan, versions);
    await execute(tx, updateHeadSql(plan.head));
    for (const statement of rowChangesSql(ctx.project(plan.events))) await execute(tx, statement);
    let leaseEpoch = ctx.leaseEpoch;
    if (leaseEpoch !== null) {
      const raised = epochAfterImport(leaseEpoch, plan.maxEpoch);
      if (raised !== leaseEpoch) {
        await execute(tx, raiseLeaseEpochSql({ serverId: ctx.serverId, epoch: leaseEpoch }, raised));
        leaseEpoch = raised;
      }
    }
    return { head: plan.head, leaseEpoch };
  });
}
