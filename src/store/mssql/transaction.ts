/**
 * One READ COMMITTED transaction on one pooled connection. Any error rolls it back before the
 * caller sees it. Connections run with XACT_ABORT ON (dsn.ts), so SQL Server may already have
 * rolled back by itself; the driver then refuses our ROLLBACK, which changes nothing.
 */
import mssql from "mssql";
import type { ConnectionPool, Transaction } from "mssql";

export async function inTransaction<T>(pool: ConnectionPool, work: (tx: Transaction) => Promise<T>): Promise<T> {
  const tx = pool.transaction();
  await tx.begin(mssql.ISOLATION_LEVEL.READ_COMMITTED);
  let result: T;
  try {
    result = await work(tx);
  } catch (err) {
    await tx.rollback().catch(() => undefined);
    throw err;
  }
  await tx.commit();
  return result;
}
