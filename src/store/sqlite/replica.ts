/**
 * A read model in a separate SQLite database, built from a log that lives elsewhere: a new file
 * an auditor can query (`events replay --to-sqlite`), or a scratch in-memory database that a
 * rebuild is compared against (`projections status`). Migrated to this build's schema; events
 * arrive through importEvents, envelopes unchanged.
 */
import type { StoredEvent } from "../../../events/index.js";
import type { ProjectionTableName, RowChange } from "../../../projections/row-change.js";
import type { LogHead } from "../dialect.js";
import { openSqlite } from "./connection.js";
import { importEvents } from "./import.js";
import { SqliteMigrator } from "./migrate.js";
import { readProjection } from "./read.js";
import { prepareStatements } from "./statements.js";

export { EventImportRefused } from "./import.js";

export interface SqliteReplica {
  importEvents(events: readonly StoredEvent[]): LogHead;
  readProjection(table: ProjectionTableName): readonly Record<string, unknown>[];
  close(): void;
}

/** `path`: a file (created if absent) or `:memory:`. */
export function openSqliteReplica(path: string, project: (events: readonly StoredEvent[]) => readonly RowChange[]): SqliteReplica {
  const connection = openSqlite({ path });
  try {
    new SqliteMigrator(connection).migrate();
  } catch (error) {
    connection.client.close();
    throw error;
  }
  const statements = prepareStatements(connection);
  return {
    importEvents: (events) => importEvents(connection, statements, events, project),
    readProjection: (table) => readProjection(connection, table),
    close: () => {
      if (connection.client.open) connection.client.close();
    },
  };
}
