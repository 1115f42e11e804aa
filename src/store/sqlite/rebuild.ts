/**
 * Rebuild every projection table from the log, in one IMMEDIATE transaction: appends wait for
 * it, and readers on other connections keep seeing the old rows until it commits.
 */
import { sql } from "drizzle-orm";
import type { StoredEvent } from "../../../events/index.js";
import { projectionTables, type RowChange } from "../../../projections/row-change.js";
import type { RebuildProgress } from "../dialect.js";
import { toStoredEvent } from "../rows.js";
import { applyRowChanges } from "./apply-changes.js";
import { sqliteProjectionTables, type SqliteConnection } from "./connection.js";
import { readAll, readHead } from "./read.js";
import type { SqliteStatements } from "./statements.js";

/** Events projected per step; bounds memory on a long log. */
const PAGE = 1000;

export function rebuildProjections(
  connection: SqliteConnection,
  statements: SqliteStatements,
  project: (events: readonly StoredEvent[]) => readonly RowChange[],
  onProgress?: (p: RebuildProgress) => void,
): RebuildProgress {
  return connection.client.transaction((): RebuildProgress => {
    const head = readHead(statements);
    for (const table of projectionTables) connection.db.run(sql`delete from ${sqliteProjectionTables[table]}`);
    let position = 0;
    while (position < head.position) {
      const rows = readAll(statements, position, PAGE);
      const last = rows.at(-1);
      if (!last) break;
      applyRowChanges(connection, project(rows.map(toStoredEvent)));
      position = last.position;
      onProgress?.({ position, head: head.position });
    }
    return { position, head: head.position };
  }).immediate();
}
