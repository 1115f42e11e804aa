/** Errors the write path reports to its callers; the HTTP layer maps them to ACME problems. */
import type { LeaseClaim, LeaseRow, StreamVersionConflict } from "./dialect.js";
import { PingTimeoutError } from "./dialect-errors.js";

/** The stream moved on since the command decided (DESIGN §2 invariant 4): retry or reject, never merge. */
export class StreamVersionConflictError extends Error {
  override readonly name = "StreamVersionConflictError";
  constructor(readonly conflict: StreamVersionConflict) {
    super(
      `stream ${conflict.streamId} is at version ${conflict.actual}, the command expected ${String(conflict.expected)}`,
    );
  }
}

/**
 * The database refused or could not be reached. Not acknowledged; when the connection was lost
 * during COMMIT the events may still have landed (the writer then mirrors them, writer.ts).
 */
export class StoreUnavailableError extends Error {
  override readonly name = "StoreUnavailableError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * The events were committed but could not be written to the audit file. The node stops
 * acknowledging writes (an event it cannot mirror is never acknowledged); the next boot
 * re-mirrors them from the database.
 */
export class AuditMirrorError extends Error {
  override readonly name = "AuditMirrorError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The configured database did not answer when the node or a command opened it. */
export class DatabaseUnreachableError extends Error {
  override readonly name = "DatabaseUnreachableError";
}

/** The writer was closed (shutdown) or has stopped after an audit failure. */
export class WriterClosedError extends Error {
  override readonly name = "WriterClosedError";
}

/**
 * Driver codes that mean "the database cannot be reached or cannot take writes right now":
 * connection refused/reset/timed out (postgres-js, mssql, node), PostgreSQL shutting down or
 * starting (57P01–57P03), SQLite busy, I/O error or disk full. Retrying later may work.
 */
const unavailableCodes = new Set([
  "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "ESOCKET", "ETIMEOUT",
  "CONNECTION_CLOSED", "CONNECTION_ENDED", "CONNECTION_DESTROYED", "CONNECT_TIMEOUT",
  "SQLITE_BUSY", "SQLITE_IOERR", "SQLITE_FULL", "SQLITE_CANTOPEN", "57P01", "57P02", "57P03",
]);

/** True for an error (or its causes) that says the database is unavailable, not that the request was wrong. */
export function isStoreUnavailable(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (e instanceof StoreUnavailableError || e instanceof PingTimeoutError || e instanceof DatabaseUnreachableError) return true;
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && unavailableCodes.has(code)) return true;
  }
  return false;
}

/** A failed append as the writer reports it: connection-level failures become StoreUnavailableError. */
export function asStoreError(error: unknown): Error {
  if (error instanceof StoreUnavailableError) return error;
  if (isStoreUnavailable(error)) {
    const message = error instanceof Error ? error.message : String(error);
    return new StoreUnavailableError(`the database is unavailable: ${message}`, { cause: error });
  }
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * The writer lease no longer names this node at its epoch (DESIGN §2 invariant 8): another
 * node took it over, so this one must not append a single event more. Nothing of the batch
 * was committed. `current` is the lease as the append found it.
 */
export class LeaseLostError extends Error {
  override readonly name = "LeaseLostError";
  constructor(
    readonly claim: LeaseClaim,
    readonly current: LeaseRow | null,
  ) {
    super(
      `this node (server_id ${claim.serverId}) no longer holds the writer lease at epoch ${claim.epoch}: ` +
        (current
          ? `it is held by server_id ${current.holderServerId} on host ${current.holderHostname} at epoch ${current.epoch}, ` +
            `until ${new Date(current.expiresAt).toISOString()}`
          : "the lease row is missing"),
    );
  }
}
