/**
 * Optimistic concurrency for command handlers (DESIGN invariant 4): a handler loads a stream,
 * decides, and appends at the version it decided on. A conflict means another request changed
 * the stream (or won a unique index) first; deciding again on fresh state gives the answer that
 * request would have had after it.
 */
import { StreamVersionConflictError } from "../store/errors.js";

const MAX_ATTEMPTS = 3;

export async function withOptimisticRetry<T>(attempt: () => Promise<T>, maxAttempts = MAX_ATTEMPTS): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      const retryable = error instanceof StreamVersionConflictError || isUniqueViolation(error);
      if (!retryable || i >= maxAttempts) throw error;
    }
  }
}

/** Two requests can both pass a lookup (e.g. two newAccount with one key); the unique index stops one. */
function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  const number = (error as { number?: unknown } | null)?.number;
  return code === "SQLITE_CONSTRAINT_UNIQUE" || code === "23505" || number === 2627 || number === 2601;
}
