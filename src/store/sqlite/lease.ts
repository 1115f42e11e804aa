/**
 * The writer lease on SQLite. Acquisition runs in a transaction begun IMMEDIATE: SQLite's write
 * lock is the head-row lock appends take (append.ts), so the lease cannot change hands in the
 * middle of an append, on this process or any other opening the same file.
 */
import { and, eq } from "drizzle-orm";
import type { LeaseAcquisition, LeaseClaim, LeaseRenewal, LeaseRequest, LeaseRow } from "../dialect.js";
import { decideLeaseAcquisition } from "../lease.js";
import { nodeLease } from "../schema/sqlite.js";
import type { SqliteConnection } from "./connection.js";

export const leaseColumns = {
  holderServerId: nodeLease.holderServerId,
  holderHostname: nodeLease.holderHostname,
  epoch: nodeLease.epoch,
  acquiredAt: nodeLease.acquiredAt,
  renewedAt: nodeLease.renewedAt,
  expiresAt: nodeLease.expiresAt,
};

export function readLease({ db }: SqliteConnection): LeaseRow | null {
  return db.select(leaseColumns).from(nodeLease).where(eq(nodeLease.id, 1)).get() ?? null;
}

export function acquireLease(connection: SqliteConnection, request: LeaseRequest): LeaseAcquisition {
  const { client, db } = connection;
  return client
    .transaction((): LeaseAcquisition => {
      const decision = decideLeaseAcquisition(readLease(connection), request);
      if (decision.ok) {
        db.insert(nodeLease)
          .values({ id: 1, ...decision.lease })
          .onConflictDoUpdate({ target: nodeLease.id, set: decision.lease })
          .run();
      }
      return decision;
    })
    .immediate();
}

const held = (claim: LeaseClaim) =>
  and(eq(nodeLease.id, 1), eq(nodeLease.holderServerId, claim.serverId), eq(nodeLease.epoch, claim.epoch));

export function renewLease(connection: SqliteConnection, claim: LeaseClaim, now: Date, ttlMs: number): LeaseRenewal {
  const at = Math.floor(now.getTime());
  const [lease] = connection.db
    .update(nodeLease)
    .set({ renewedAt: at, expiresAt: at + ttlMs })
    .where(held(claim))
    .returning(leaseColumns)
    .all();
  return lease ? { ok: true, lease } : { ok: false, current: readLease(connection) };
}

export function releaseLease({ db }: SqliteConnection, claim: LeaseClaim, now: Date): boolean {
  const released = db.update(nodeLease).set({ expiresAt: Math.floor(now.getTime()) }).where(held(claim)).run();
  return released.changes > 0;
}
