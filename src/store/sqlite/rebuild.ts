/**
 * Rebuild every projection table from the log, resumably: batches of events, each projected and
 * committed in one IMMEDIATE transaction (SQLite's write lock is the head lock appends take)
 * together with the checkpoint row saying how far the tables go. A rebuild killed between or
 * inside batches finds its last committed checkpoint on the next call and goes on from there;
 * a torn batch rolls back with its checkpoint, so no event is ever projected twice.
 */
import { eq, sql } from "drizzle-orm";
import type { StoredEvent } from "../../../events/index.js";
import { projectionTables, type RowChange } from "../../../projections/row-change.js";
import { DEFAULT_REBUILD_BATCH, type RebuildCheckpoint, type RebuildOptions, type RebuildProgress } from "../dialect.js";
import { toStoredEvent } from "../rows.js";
import { projectionRebuild } from "../schema/sqlite.js";
import { applyRowChanges } from "./apply-changes.js";
import { sqliteProjectionTables, type SqliteConnection } from "./connection.js";
import { readAll, readHead } from "./read.js";
import type { SqliteStatements } from "./statements.js";

/** Events read and projected at a time inside a batch; bounds memory on a long log. */
const PAGE = 1000;

export function readRebuildCheckpoint({ db }: SqliteConnection): RebuildCheckpoint | null {
  return (
    db
      .select({ position: projectionRebuild.position, startedAt: projectionRebuild.startedAt })
      .from(projectionRebuild)
      .where(eq(projectionRebuild.id, 1))
      .get() ?? null
  );
}

export function rebuildProjections(
  connection: SqliteConnection,
  statements: SqliteStatements,
  project: (events: readonly StoredEvent[]) => readonly RowChange[],
  onProgress?: (p: RebuildProgress) => void,
  options: RebuildOptions = {},
): RebuildProgress {
  const batchSize = options.batchSize ?? DEFAULT_REBUILD_BATCH;
  const now = options.now ?? (() => new Date());
  const { client, db } = connection;

  /** One batch (one transaction): where the tables stand after it, and whether the log is exhausted. */
  const step = client.transaction((): RebuildProgress & { done: boolean } => {
    const head = readHead(statements);
    let checkpoint = readRebuildCheckpoint(connection);
    if (!checkpoint) {
      for (const table of projectionTables) db.run(sql`delete from ${sqliteProjectionTables[table]}`);
      checkpoint = { position: 0, startedAt: now().getTime() };
      db.insert(projectionRebuild).values({ id: 1, ...checkpoint }).run();
    }
    const end = Math.min(head.position, checkpoint.position + batchSize);
    let position = checkpoint.position;
    // Read in pages: a batch may be the whole log (a rebuild beside a serving node).
    while (position < end) {
      const rows = readAll(statements, position, Math.min(PAGE, end - position));
      const last = rows.at(-1);
      if (!last) break;
      applyRowChanges(connection, project(rows.map(toStoredEvent)));
      position = last.position;
      if (position < end) onProgress?.({ position, head: head.position });
    }
    const done = position >= head.position;
    // The last batch removes the checkpoint in its own transaction: the rebuild is then whole.
    if (done) db.delete(projectionRebuild).where(eq(projectionRebuild.id, 1)).run();
    else db.update(projectionRebuild).set({ position }).where(eq(projectionRebuild.id, 1)).run();
    return { position, head: head.position, done };
  });

  for (;;) {
    const { position, head, done } = step.immediate();
    onProgress?.({ position, head });
    if (done) return { position, head };
  }
}
