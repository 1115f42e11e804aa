/**
 * drizzle 1.0.0-rc.5 wraps every driver error in a DrizzleQueryError whose message carries the
 * query and its parameters (event bodies included). The dialects reject with the driver's own
 * error instead: that is what the writer maps (SQLite codes, PostgreSQL SQLSTATEs, mssql
 * numbers), and it keeps event data out of error logs.
 */
import { DrizzleQueryError } from "drizzle-orm";

export function driverError(err: unknown): unknown {
  return err instanceof DrizzleQueryError && err.cause !== undefined ? err.cause : err;
}

/** Wrap an async operation so it rejects with the driver error. */
export function rejectingWithDriverError<A extends unknown[], R>(
  operation: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  return async (...args) => {
    try {
      return await operation(...args);
    } catch (err) {
      throw driverError(err);
    }
  };
}
