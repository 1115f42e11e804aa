/**
 * The writer lease on PostgreSQL. Acquisition first takes the head row `FOR UPDATE`, the lock
 * every append takes first (append.ts): an append in flight finishes before the lease changes
 * hands, and the next one sees the new epoch. The lease row itself is then locked too, so
 * renewals (which lock only the lease row) queue behind it; the lock order head → lease is the
 * same everywhere, so nothing can deadlock.
 */
import { and, eq } from "drizzle-orm";
import type { LeaseAcquisition, LeaseClaim, LeaseRenewal, LeaseRequest, LeaseRow } from "../dialect.js";
import { EventLogNotInitialisedError } from "../dialect-errors.js";
import { decideLeaseAcquisition } from "../lease.js";
import { esLogHead, nodeLease } from "../schema/postgres.js";
import type { PostgresConnection, PostgresTransaction } from "./connection.js";

type Reader = PostgresConnection["db"] | PostgresTransaction;

const leaseColumns = {
  holderServerId: nodeLease.holderServerId,
  holderHostname: nodeLease.holderHostname,
  epoch: nodeLease.epoch,
  acquiredAt: nodeLease.acquiredAt,
  renewedAt: nodeLease.renewedAt,
  expiresAt: nodeLease.expiresAt,
};

export async function readLease(db: Reader, lock: "for-update" | "plain" = "plain"): Promise<LeaseRow | null> {
  const query = db.select(leaseColumns).from(nodeLease).where(eq(nodeLease.id, 1));
  const [row] = lock === "for-update" ? await query.for("update") : await query;
  return row ?? null;
}

export async function acquireLease({ db }: PostgresConnection, request: LeaseRequest): Promise<LeaseAcquisition> {
  return db.transaction(async (tx) => {
    const [head] = await tx.select({ id: esLogHead.id }).from(esLogHead).where(eq(esLogHead.id, 1)).for("update");
    if (!head) throw new EventLogNotInitialisedError();
    const decision = decideLeaseAcquisition(await readLease(tx, "for-update"), request);
    if (decision.ok) {
      await tx
        .insert(nodeLease)
        .values({ id: 1, ...decision.lease })
        .onConflictDoUpdate({ target: nodeLease.id, set: decision.lease });
    }
    return decision;
  });
}

const held = (claim: LeaseClaim) =>
  and(eq(nodeLease.id, 1), eq(nodeLease.holderServerId, claim.serverId), eq(nodeLease.epoch, claim.epoch));

export async function renewLease({ db }: PostgresConnection, claim: LeaseClaim, now: Date, ttlMs: number): Promise<LeaseRenewal> {
  const at = Math.floor(now.getTime());
  const [lease] = await db.update(nodeLease).set({ renewedAt: at, expiresAt: at + ttlMs }).where(held(claim)).returning(leaseColumns);
  return lease ? { ok: true, lease } : { ok: false, current: await readLease(db) };
}

export async function releaseLease({ db }: PostgresConnection, claim: LeaseClaim, now: Date): Promise<boolean> {
  const released = await db
    .update(nodeLease)
    .set({ expiresAt: Math.floor(now.getTime()) })
    .where(held(claim))
    .returning({ epoch: nodeLease.epoch });
  return released.length > 0;
}
