/** Errors the write path reports to its callers; the HTTP layer maps them to ACME problems. */
import type { StreamVersionConflict } from "./dialect.js";

/** The stream moved on since the command decided (DESIGN §2 invariant 4): retry or reject, never merge. */
export class StreamVersionConflictError extends Error {
  override readonly name = "StreamVersionConflictError";
  constructor(readonly conflict: StreamVersionConflict) {
    super(
      `stream ${conflict.streamId} is at version ${conflict.actual}, the command expected ${String(conflict.expected)}`,
    );
  }
}

/** The database refused or could not be reached; nothing of the command was committed. */
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

/** The writer was closed (shutdown) or has stopped after an audit failure. */
export class WriterClosedError extends Error {
  override readonly name = "WriterClosedError";
}
