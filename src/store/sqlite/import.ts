/**
 * Import events that were sealed elsewhere — read from another database, an export, or the
 * audit files (`events recover`) — keeping their envelopes exactly (position, event id, time,
 * node, hash): a copy of a log, not new appends. The batch must continue this log
 * (plan-import.ts). Runs the inline projections in the same transaction, so the tables always
 * match the imported log (DESIGN §2 invariant 1). BEGIN IMMEDIATE takes the write lock, our
 * head-row lock, before the head is read.
 */
import { and, eq } from "drizzle-orm";
import type { StoredEvent } from "../../../events/index.js";
import type { RowChange } from "../../../projections/row-change.js";
import type { ImportContext, ImportOutcome, LogHead } from "../dialect.js";
import { assertLeaseHeld, epochAfterImport } from "../lease.js";
import { planImport } from "../plan-import.js";
import { streamType } from "../plan-append.js";
import { toEventRow } from "../rows.js";
import { nodeLease } from "../schema/sqlite.js";
import { applyRowChanges } from "./apply-changes.js";
import type { SqliteConnection } from "./connection.js";
import { readHead } from "./read.js";
import type { SqliteStatements } from "./statements.js";

export { EventImportRefused } from "../plan-import.js";

export function importBatch(
  connection: SqliteConnection,
  statements: SqliteStatements,
  events: readonly StoredEvent[],
  ctx: ImportContext,
): ImportOutcome {
  return connection.client
    .transaction((): ImportOutcome => {
      const head = readHead(statements);
      const lease = ctx.leaseEpoch === null ? null : (statements.lease.get() ?? null);
      if (ctx.leaseEpoch !== null) assertLeaseHeld(lease, ctx.serverId, ctx.leaseEpoch);
      if (events.length === 0) return { head, leaseEpoch: ctx.leaseEpoch };
      const versions = new Map<string, number>();
      for (const streamId of new Set(events.map((e) => e.sid))) {
        const row = statements.streamVersion.get({ streamId });
        if (row) versions.set(streamId, row.version);
      }
      const plan = planImport(head, versions, events);
      for (const event of plan.events) statements.insertEvent.run({ ...toEventRow(event) });
      for (const [streamId, s] of plan.streams) {
        if (s.created) statements.insertStream.run({ streamId, streamType: streamType(streamId), version: s.version, at: s.createdAt });
        statements.updateStream.run({ streamId, version: s.version, at: s.updatedAt });
      }
      statements.updateHead.run({ position: plan.head.position, hash: plan.head.hash });
      applyRowChanges(connection, ctx.project(plan.events));
      let leaseEpoch = ctx.leaseEpoch;
      if (leaseEpoch !== null) {
        const raised = epochAfterImport(leaseEpoch, plan.maxEpoch);
        if (raised !== leaseEpoch) {
          connection.db
            .update(nodeLease)
            .set({ epoch: raised })
            .where(and(eq(nodeLease.id, 1), eq(nodeLease.holderServerId, ctx.serverId), eq(nodeLease.epoch, leaseEpoch)))
            .run();
          leaseEpoch = raised;
        }
      }
      return { head: plan.head, leaseEpoch };
    })
    .immediate();
}

/** The replica's import (replay, projection status): no lease, the caller's projections. */
export function importEvents(
  connection: SqliteConnection,
  statements: SqliteStatements,
  events: readonly StoredEvent[],
  project: (events: readonly StoredEvent[]) => readonly RowChange[],
): LogHead {
  return importBatch(connection, statements, events, { serverId: "", leaseEpoch: null, project }).head;
}
