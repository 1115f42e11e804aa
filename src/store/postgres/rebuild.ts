/**
 * Rebuild every projection table from the log in one transaction that holds the head-row
 * lock: appends wait, and readers keep seeing the old rows until it commits.
 */
import { eq, sql } from "drizzle-orm";
import type { StoredEvent } from "../../../events/index.js";
import { projectionTables, type RowChange } from "../../../projections/row-change.js";
import type { RebuildProgress } from "../dialect.js";
import { EventLogNotInitialisedError } from "../dialect-errors.js";
import { toStoredEvent } from "../rows.js";
import { esLogHead } from "../schema/postgres.js";
import { applyRowChanges } from "./apply-changes.js";
import { postgresProjectionTables, type PostgresConnection } from "./connection.js";
import { readAll } from "./read.js";

/** Events projected per step; bounds memory on a long log. */
const PAGE = 1000;

export async function rebuildProjections(
  { db }: PostgresConnection,
  project: (events: readonly StoredEvent[]) => readonly RowChange[],
  onProgress?: (p: RebuildProgress) => void,
): Promise<RebuildProgress> {
  return db.transaction(async (tx) => {
    const [head] = await tx
      .select({ position: esLogHead.lastPosition })
      .from(esLogHead)
      .where(eq(esLogHead.id, 1))
      .for("update");
    if (!head) throw new EventLogNotInitialisedError();
    for (const table of projectionTables) await tx.execute(sql`delete from ${postgresProjectionTables[table]}`);
    let position = 0;
    while (position < head.position) {
      const rows = await readAll(tx, position, PAGE);
      const last = rows.at(-1);
      if (!last) break;
      await applyRowChanges(tx, project(rows.map(toStoredEvent)));
      position = last.position;
      onProgress?.({ position, head: head.position });
    }
    return { position, head: head.position };
  });
}
