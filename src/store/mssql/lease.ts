/**
 * The writer lease on SQL Server: acquisition takes the head row WITH (UPDLOCK, HOLDLOCK), the
 * lock every append takes first, then the lease row; renewals and releases touch the lease row
 * alone, only while it still names the caller.
 */
import type { ConnectionPool } from "mssql";
import type { LeaseAcquisition, LeaseClaim, LeaseRenewal, LeaseRequest, LeaseRow } from "../dialect.js";
import { decideLeaseAcquisition } from "../lease.js";
import { nodeLease } from "../schema/mssql.js";
import { readLeaseSql, releaseLeaseSql, renewLeaseSql, writeLeaseSql } from "./lease-sql.js";
import { lockHeadSql } from "./log-sql.js";
import { readHeadWith } from "./read.js";
import { affected, execute, select, type Requester } from "./request.js";
import { decodeRow } from "./table-rows.js";
import { inTransaction } from "./transaction.js";

function decodeLease(record: Record<string, unknown> | undefined): LeaseRow | null {
  if (!record) return null;
  const { id: _id, ...lease } = decodeRow(nodeLease, { ...record, id: 1 });
  return lease;
}

export async function readLease(on: Requester, locked = false): Promise<LeaseRow | null> {
  return decodeLease((await select(on, readLeaseSql(locked)))[0]);
}

export function acquireLease(pool: ConnectionPool, request: LeaseRequest): Promise<LeaseAcquisition> {
  return inTransaction(pool, async (tx) => {
    await readHeadWith(tx, lockHeadSql);
    const decision = decideLeaseAcquisition(await readLease(tx, true), request);
    if (decision.ok) await execute(tx, writeLeaseSql(decision.lease));
    return decision;
  });
}

export async function renewLease(pool: ConnectionPool, claim: LeaseClaim, now: Date, ttlMs: number): Promise<LeaseRenewal> {
  const [renewed] = await select(pool, renewLeaseSql(claim, Math.floor(now.getTime()), ttlMs));
  const lease = decodeLease(renewed);
  return lease ? { ok: true, lease } : { ok: false, current: await readLease(pool) };
}

export async function releaseLease(pool: ConnectionPool, claim: LeaseClaim, now: Date): Promise<boolean> {
  return (await affected(pool, releaseLeaseSql(claim, Math.floor(now.getTime())))) > 0;
}
