/** Helpers of `certeasy projections rebuild`: the lease gate, the batch option, the final check. */
import { InvalidArgumentError } from "commander";
import type { StoredEvent } from "../../../events/index.js";
import type { RowChange } from "../../../projections/row-change.js";
import type { EventStoreDialect } from "../../store/dialect.js";
import { EXIT_FAILURE, EXIT_OK } from "../run.js";
import { progressBar } from "../progress.js";

export function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("expected a positive integer");
  return n;
}

/**
 * Who holds a live writer lease, or null. A resumable rebuild commits batch by batch: a serving
 * node would project its appends onto half-rebuilt tables, so beside one it runs as one batch.
 */
export async function liveLeaseHolder(db: EventStoreDialect, now = Date.now()): Promise<string | null> {
  const lease = await db.readLease();
  if (!lease || lease.expiresAt <= now) return null;
  return (
    `server_id ${lease.holderServerId} on host ${lease.holderHostname} holds the writer lease until ` +
    `${new Date(lease.expiresAt).toISOString()}`
  );
}

/**
 * Compare the rebuilt tables with a scratch replay of the log (src/store/projection-status.ts,
 * the check behind `projections status`), so "rebuilt" is proven, not assumed.
 */
export async function verifyRebuilt(
  db: EventStoreDialect,
  project: (events: readonly StoredEvent[]) => readonly RowChange[],
): Promise<number> {
  // Loaded on use: it needs SQLite (the scratch rebuild) whatever the configured database.
  const { projectionStatus } = await import("../../store/projection-status.js");
  const bar = progressBar("verifying against the log");
  const status = await projectionStatus(db, project, (p) => bar.update(p.done, p.total));
  bar.finish();
  if (!status.ok) {
    process.stderr.write(`${status.fault.reason}\nthe log's chain is broken: the rebuilt tables cannot be trusted (see \`certeasy events verify\`)\n`);
    return EXIT_FAILURE;
  }
  const stale = status.tables.filter((t) => t.dropped + t.added > 0);
  if (stale.length > 0) {
    for (const t of stale) process.stderr.write(`${t.table}: ${t.dropped} row(s) not in a replay of the log, ${t.added} row(s) of the replay missing\n`);
    return EXIT_FAILURE;
  }
  const rows = status.tables.reduce((sum, t) => sum + t.rows, 0);
  process.stdout.write(`verified: ${status.tables.length} tables (${rows} rows) match a replay of the log up to position ${status.head.position}\n`);
  return EXIT_OK;
}
