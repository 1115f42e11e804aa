/**
 * appendBatch on SQLite: one synchronous transaction begun IMMEDIATE, so the write lock (our
 * head-row lock) is taken before the head is read and no other process can append in between
 * (DESIGN §2 invariant 3). Under that lock it first checks that this node still holds the
 * writer lease at its epoch (invariant 8). Inline projections run inside it: a failing row
 * change rolls the whole batch back.
 */
import type { AppendCommand, AppendContext, AppendOutcome } from "../dialect.js";
import { EventLogNotInitialisedError } from "../dialect-errors.js";
import { assertLeaseHeld } from "../lease.js";
import { planAppend, streamType } from "../plan-append.js";
import { toEventRow } from "../rows.js";
import { applyRowChanges } from "./apply-changes.js";
import type { SqliteConnection } from "./connection.js";
import type { SqliteStatements } from "./statements.js";

export function appendBatch(
  connection: SqliteConnection,
  statements: SqliteStatements,
  commands: readonly AppendCommand[],
  ctx: AppendContext,
): readonly AppendOutcome[] {
  if (commands.length === 0) return [];
  const transaction = connection.client.transaction((): readonly AppendOutcome[] => {
    const head = statements.head.get();
    if (!head) throw new EventLogNotInitialisedError();
    if (ctx.leaseEpoch !== null) assertLeaseHeld(statements.lease.get() ?? null, ctx.serverId, ctx.leaseEpoch);
    const versions = new Map<string, number>();
    for (const streamId of new Set(commands.map((c) => c.streamId))) {
      const row = statements.streamVersion.get({ streamId });
      if (row) versions.set(streamId, row.version);
    }
    const now = ctx.now();
    const plan = planAppend(head, versions, commands, ctx, now);
    if (plan.events.length === 0) return plan.outcomes;

    for (const event of plan.events) statements.insertEvent.run({ ...toEventRow(event) });
    const at = Math.floor(now.getTime());
    for (const [streamId, stream] of plan.streams) {
      if (stream.created) {
        statements.insertStream.run({ streamId, streamType: streamType(streamId), version: stream.version, at });
      } else {
        statements.updateStream.run({ streamId, version: stream.version, at });
      }
    }
    statements.updateHead.run({ position: plan.head.position, hash: plan.head.hash });
    applyRowChanges(connection, ctx.project(plan.events));
    return plan.outcomes;
  });
  return transaction.immediate();
}
