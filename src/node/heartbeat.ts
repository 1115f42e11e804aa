/** Refreshes `servers.last_seen` once a minute while the node runs (reference §11.3). */
import type { EventStoreDialect } from "../store/dialect.js";

export const HEARTBEAT_INTERVAL_MS = 60_000;

export function startHeartbeat(
  dialect: EventStoreDialect,
  serverId: string,
  clock: () => Date,
  onError: (error: unknown) => void,
  intervalMs: number = HEARTBEAT_INTERVAL_MS,
): () => void {
  const timer = setInterval(() => {
    dialect.touchServer(serverId, clock()).catch(onError);
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
