/**
 * The steps an append (append.ts) and an import (import.ts) share on PostgreSQL, each inside
 * the caller's transaction: take the head row `FOR UPDATE` and check the writer lease under it,
 * read stream versions, write events, streams and head.
 */
import { eq, inArray, sql } from "drizzle-orm";
import type { EventRow, LogHead } from "../dialect.js";
import { EventLogNotInitialisedError } from "../dialect-errors.js";
import { assertLeaseHeld } from "../lease.js";
import { streamType } from "../plan-append.js";
import { esEvents, esLogHead, esStreams } from "../schema/postgres.js";
import type { PostgresTransaction } from "./connection.js";
import { readLease } from "./lease.js";

/** Rows per INSERT: 10 parameters each stays far below PostgreSQL's 65535-parameter limit. */
const INSERT_CHUNK = 1000;

/**
 * The serialization point (DESIGN §2 invariant 3), then fencing (invariant 8): the lease changes
 * hands only under the head lock we now hold. A null epoch is unfenced.
 */
export async function lockHead(tx: PostgresTransaction, writer: { readonly serverId: string; readonly leaseEpoch: number | null }): Promise<LogHead> {
  const [head] = await tx
    .select({ position: esLogHead.lastPosition, hash: esLogHead.lastHash })
    .from(esLogHead)
    .where(eq(esLogHead.id, 1))
    .for("update");
  if (!head) throw new EventLogNotInitialisedError();
  if (writer.leaseEpoch !== null) assertLeaseHeld(await readLease(tx), writer.serverId, writer.leaseEpoch);
  return head;
}

export async function readStreamVersions(tx: PostgresTransaction, streamIds: readonly string[]): Promise<Map<string, number>> {
  const current = await tx
    .select({ streamId: esStreams.streamId, version: esStreams.version })
    .from(esStreams)
    .where(inArray(esStreams.streamId, [...streamIds]));
  return new Map(current.map((s) => [s.streamId, s.version]));
}

export interface StreamWrite {
  readonly version: number;
  /** epoch ms; used only when the stream is new */
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** Events, their streams (inserted or advanced) and the head, as one batch leaves them. */
export async function writeLog(
  tx: PostgresTransaction,
  rows: readonly EventRow[],
  streams: Iterable<readonly [string, StreamWrite]>,
  head: LogHead,
): Promise<void> {
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) await tx.insert(esEvents).values(rows.slice(i, i + INSERT_CHUNK));
  await tx
    .insert(esStreams)
    .values(
      [...streams].map(([streamId, s]) => ({
        streamId,
        streamType: streamType(streamId),
        version: s.version,
        createdAt: s.createdAt,
        updatedAt: s.updatedAt,
      })),
    )
    .onConflictDoUpdate({
      target: esStreams.streamId,
      set: { version: sql`excluded.version`, updatedAt: sql`excluded.updated_at` },
    });
  await tx.update(esLogHead).set({ lastPosition: head.position, lastHash: head.hash }).where(eq(esLogHead.id, 1));
}
