/**
 * `projections status`: would a rebuild change the projection tables? Chosen method: replay the
 * whole log (chain-checked) into a scratch in-memory SQLite database with the same projection
 * code, then compare every row of every table with the live database. A checksum kept on the
 * side could drift from the tables it vouches for; a rebuild cannot, and it names how many rows
 * differ. The cost is one replay and the read model held in memory once.
 */
import { canonicalJson, type JsonValue } from "../../events/index.js";
import { projectionTables, type ProjectionTableName } from "../../projections/row-change.js";
import type { EventStoreDialect, LogHead } from "./dialect.js";
import type { LogProgress } from "./log-source.js";
import { copyLog, type Projector } from "./replay.js";
import { MEMORY } from "./sqlite/connection.js";
import { openSqliteReplica } from "./sqlite/replica.js";
import { ChainVerifier, type ChainFault } from "./verify-chain.js";

export interface TableStatus {
  readonly table: ProjectionTableName;
  readonly rows: number;
  readonly rebuiltRows: number;
  /** live rows a rebuild would drop (a changed row counts here and in `added`) */
  readonly dropped: number;
  /** rows a rebuild would write that the live table lacks */
  readonly added: number;
}

export type ProjectionStatus =
  | { readonly ok: true; readonly head: LogHead; readonly headAfter: LogHead; readonly tables: readonly TableStatus[] }
  | { readonly ok: false; readonly fault: ChainFault };

export async function projectionStatus(db: EventStoreDialect, project: Projector, onProgress?: (p: LogProgress) => void): Promise<ProjectionStatus> {
  const replica = openSqliteReplica(MEMORY, project);
  try {
    const verifier = new ChainVerifier();
    const fault = await copyLog({ kind: "database", db }, replica, verifier, onProgress);
    if (fault) return { ok: false, fault };
    const tables: TableStatus[] = [];
    for (const table of projectionTables) {
      const live = await db.readProjection(table);
      const rebuilt = replica.readProjection(table);
      tables.push({ table, rows: live.length, rebuiltRows: rebuilt.length, ...multisetDifference(live, rebuilt) });
    }
    return { ok: true, head: { position: verifier.count, hash: verifier.lastHash }, headAfter: await db.head(), tables };
  } finally {
    replica.close();
  }
}

/**
 * Rows compared as multisets of their canonical JSON: the dialects order text by their own
 * collations, so two equal tables need not come back in the same order.
 */
function multisetDifference(
  live: readonly Record<string, unknown>[],
  rebuilt: readonly Record<string, unknown>[],
): { dropped: number; added: number } {
  const counts = new Map<string, number>();
  const count = (row: Record<string, unknown>, by: number): void => {
    const key = canonicalJson(row as Record<string, JsonValue>);
    counts.set(key, (counts.get(key) ?? 0) + by);
  };
  for (const row of live) count(row, 1);
  for (const row of rebuilt) count(row, -1);
  let dropped = 0;
  let added = 0;
  for (const n of counts.values()) {
    if (n > 0) dropped += n;
    else added -= n;
  }
  return { dropped, added };
}
