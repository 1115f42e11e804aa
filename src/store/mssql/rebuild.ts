/**
 * rebuildProjections on SQL Server, resumably: batches of events, each replayed through the
 * same projection code that runs inline (DESIGN §2 invariant 1) and committed in one
 * transaction holding the head lock, together with the checkpoint row saying how far the
 * tables go. A rebuild killed midway resumes from its last committed checkpoint.
 */
import type { ConnectionPool } from "mssql";
import type { StoredEvent } from "../../../events/index.js";
import { projectionTables, type RowChange } from "../../../projections/row-change.js";
import { DEFAULT_REBUILD_BATCH, type RebuildCheckpoint, type RebuildOptions, type RebuildProgress } from "../dialect.js";
import { toStoredEvent } from "../rows.js";
import { lockHeadSql } from "./log-sql.js";
import { clearProjectionSql, rowChangesSql } from "./projection-sql.js";
import { readAll, readHeadWith } from "./read.js";
import { advanceCheckpointSql, deleteCheckpointSql, insertCheckpointSql, readCheckpointSql } from "./rebuild-sql.js";
import { execute, select, type Requester } from "./request.js";
import { inTransaction } from "./transaction.js";

/** Events read and projected at a time inside a batch: large enough to amortise round trips. */
const PAGE = 1000;

/** The log has a hole or is out of order: never advance past it (event-sourcing-and-style §1.7.4). */
export class LogGapError extends Error {
  override readonly name = "LogGapError";
}

export async function readRebuildCheckpoint(on: Requester): Promise<RebuildCheckpoint | null> {
  const [row] = await select(on, readCheckpointSql());
  if (!row) return null;
  return { position: Number(row["position"]), startedAt: Number(row["started_at"]) };
}

export async function rebuildProjections(
  pool: ConnectionPool,
  project: (events: readonly StoredEvent[]) => readonly RowChange[],
  onProgress?: (p: RebuildProgress) => void,
  options: RebuildOptions = {},
): Promise<RebuildProgress> {
  const batchSize = options.batchSize ?? DEFAULT_REBUILD_BATCH;
  const now = options.now ?? (() => new Date());

  const step = (): Promise<RebuildProgress & { done: boolean }> =>
    inTransaction(pool, async (tx) => {
      const head = await readHeadWith(tx, lockHeadSql);
      let checkpoint = await readRebuildCheckpoint(tx);
      if (!checkpoint) {
        for (const table of projectionTables) await execute(tx, clearProjectionSql(table));
        checkpoint = { position: 0, startedAt: now().getTime() };
        await execute(tx, insertCheckpointSql(checkpoint));
      }
      const end = Math.min(head.position, checkpoint.position + batchSize);
      let position = checkpoint.position;
      // Read in pages: a batch may be the whole log (a rebuild beside a serving node).
      while (position < end) {
        const rows = await readAll(tx, position, Math.min(PAGE, end - position));
        if (rows.length === 0) throw new LogGapError(`the log ends at ${position}, but the head says ${head.position}`);
        const events = rows.map((row, i) => {
          if (row.position !== position + i + 1) {
            throw new LogGapError(`expected event ${position + i + 1} in the log, found ${row.position}`);
          }
          return toStoredEvent(row);
        });
        for (const statement of rowChangesSql(project(events))) await execute(tx, statement);
        position += rows.length;
        if (position < end) onProgress?.({ position, head: head.position });
      }
      const done = position >= head.position;
      await execute(tx, done ? deleteCheckpointSql() : advanceCheckpointSql(position));
      return { position, head: head.position, done };
    });

  for (;;) {
    const { position, head, done } = await step();
    onProgress?.({ position, head });
    if (done) return { position, head };
  }
}
