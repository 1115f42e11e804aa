/**
 * Refreshes `servers.last_seen` once a minute while the node runs (reference §11.3), with the
 * audit file's head, so that a file later cut short is detected (src/audit/head.ts).
 */
import type { AuditHead, EventStoreDialect } from "../store/dialect.js";

export const HEARTBEAT_INTERVAL_MS = 60_000;

export function startHeartbeat(
  dialect: EventStoreDialect,
  serverId: string,
  clock: () => Date,
  /** undefined when there is no audit file (audit.enabled: false) */
  auditHead: () => AuditHead | undefined,
  onError: (error: unknown) => void,
  intervalMs: number = HEARTBEAT_INTERVAL_MS,
): () => void {
  const timer = setInterval(() => {
    dialect.touchServer(serverId, clock(), auditHead()).catch(onError);
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
