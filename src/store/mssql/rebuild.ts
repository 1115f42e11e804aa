/**
 * rebuildProjections on SQL Server: one transaction holding the head lock (appends wait,
 * readers keep seeing the old rows until commit), projection tables emptied, the whole log
 * replayed in batches through the same projection code that runs inline (DESIGN §2 invariant 1).
 */
import type { ConnectionPool } from "mssql";
import type { StoredEvent } from "../../../events/index.js";
import { projectionTables, type RowChange } from "../../../projections/row-change.js";
import type { RebuildProgress } from "../dialect.js";
import { toStoredEvent } from "../rows.js";
import { lockHeadSql } from "./log-sql.js";
import { clearProjectionSql, rowChangesSql } from "./projection-sql.js";
import { readAll, readHeadWith } from "./read.js";
import { execute } from "./request.js";
import { inTransaction } from "./transaction.js";

/** Events per replay batch: large enough to amortise round trips, small enough for memory. */
export const REBUILD_BATCH = 1000;

/** The log has a hole or is out of order: never advance past it (event-sourcing-and-style §1.7.4). */
export class LogGapError extends Error {
  override readonly name = "LogGapError";
}

export function rebuildProjections(
  pool: ConnectionPool,
  project: (events: readonly StoredEvent[]) => readonly RowChange[],
  onProgress?: (p: RebuildProgress) => void,
): Promise<RebuildProgress> {
  return inTransaction(pool, async (tx) => {
    const head = await readHeadWith(tx, lockHeadSql);
    for (const table of projectionTables) await execute(tx, clearProjectionSql(table));
    let position = 0;
    while (position < head.position) {
      const rows = await readAll(tx, position, Math.min(REBUILD_BATCH, head.position - position));
      if (rows.length === 0) throw new LogGapError(`the log ends at ${position}, but the head says ${head.position}`);
      const events = rows.map((row, i) => {
        if (row.position !== position + i + 1) {
          throw new LogGapError(`expected event ${position + i + 1} in the log, found ${row.position}`);
        }
        return toStoredEvent(row);
      });
      for (const statement of rowChangesSql(project(events))) await execute(tx, statement);
      position += rows.length;
      onProgress?.({ position, head: head.position });
    }
    return { position, head: head.position };
  });
}
