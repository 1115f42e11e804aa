/**
 * Rebuild every projection table from the log, resumably: batches of events, each projected and
 * committed in one transaction that holds the head-row lock (appends wait for it), together
 * with the checkpoint row saying how far the tables go. A rebuild killed midway finds its last
 * committed checkpoint on the next call and goes on from there; a torn batch rolls back with its
 * checkpoint, so no event is ever projected twice.
 */
import { eq, sql } from "drizzle-orm";
import type { StoredEvent } from "../../../events/index.js";
import { projectionTables, type RowChange } from "../../../projections/row-change.js";
import { DEFAULT_REBUILD_BATCH, type RebuildCheckpoint, type RebuildOptions, type RebuildProgress } from "../dialect.js";
import { EventLogNotInitialisedError } from "../dialect-errors.js";
import { toStoredEvent } from "../rows.js";
import { esLogHead, projectionRebuild } from "../schema/postgres.js";
import { applyRowChanges } from "./apply-changes.js";
import { postgresProjectionTables, type PostgresConnection, type PostgresTransaction } from "./connection.js";
import { readAll } from "./read.js";

type Reader = PostgresConnection["db"] | PostgresTransaction;

/** Events read and projected at a time inside a batch; bounds memory on a long log. */
const PAGE = 1000;

export async function readRebuildCheckpoint(db: Reader): Promise<RebuildCheckpoint | null> {
  const [row] = await db
    .select({ position: projectionRebuild.position, startedAt: projectionRebuild.startedAt })
    .from(projectionRebuild)
    .where(eq(projectionRebuild.id, 1));
  return row ?? null;
}

export async function rebuildProjections(
  { db }: PostgresConnection,
  project: (events: readonly StoredEvent[]) => readonly RowChange[],
  onProgress?: (p: RebuildProgress) => void,
  options: RebuildOptions = {},
): Promise<RebuildProgress> {
  const batchSize = options.batchSize ?? DEFAULT_REBUILD_BATCH;
  const now = options.now ?? (() => new Date());

  /** One batch: where the tables stand after it, and whether the log is exhausted. */
  const step = (): Promise<RebuildProgress & { done: boolean }> =>
    db.transaction(async (tx) => {
      const [head] = await tx
        .select({ position: esLogHead.lastPosition })
        .from(esLogHead)
        .where(eq(esLogHead.id, 1))
        .for("update");
      if (!head) throw new EventLogNotInitialisedError();
      let checkpoint = await readRebuildCheckpoint(tx);
      if (!checkpoint) {
        for (const table of projectionTables) await tx.execute(sql`delete from ${postgresProjectionTables[table]}`);
        checkpoint = { position: 0, startedAt: now().getTime() };
        await tx.insert(projectionRebuild).values({ id: 1, ...checkpoint });
      }
      const end = Math.min(head.position, checkpoint.position + batchSize);
      let position = checkpoint.position;
      // Read in pages: a batch may be the whole log (a rebuild beside a serving node).
      while (position < end) {
        const rows = await readAll(tx, position, Math.min(PAGE, end - position));
        const last = rows.at(-1);
        if (!last) break;
        await applyRowChanges(tx, project(rows.map(toStoredEvent)));
        position = last.position;
        if (position < end) onProgress?.({ position, head: head.position });
      }
      const done = position >= head.position;
      // The last batch removes the checkpoint in its own transaction: the rebuild is then whole.
      if (done) await tx.delete(projectionRebuild).where(eq(projectionRebuild.id, 1));
      else await tx.update(projectionRebuild).set({ position }).where(eq(projectionRebuild.id, 1));
      return { position, head: head.position, done };
    });

  for (;;) {
    const { position, head, done } = await step();
    onProgress?.({ position, head });
    if (done) return { position, head };
  }
}
