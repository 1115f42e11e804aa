/**
 * A node's clean (or fatal) stop: record node.stopped while the lease allows it, then close
 * the writer, write the shutdown line, release the lease, record the audit head and the role
 * `stopped`, and close the database and the workdir lock — each step even when an earlier
 * one failed.
 */
import type { Logger } from "pino";
import { NodeStopped, nodeStreamId } from "../../events/index.js";
import type { LiveProjections } from "../projection/live.js";
import type { EventStoreDialect } from "../store/dialect.js";
import type { EventWriter } from "../store/writer.js";
import type { NodeLease } from "./lease.js";
import type { NodeMirror } from "./lease-records.js";
import type { WorkdirLock } from "./workdir-lock.js";

export type StopReason = "signal" | "shutdown" | "fatal";

export interface RunningParts {
  readonly serverId: string;
  readonly bootId: string;
  readonly dialect: EventStoreDialect;
  readonly writer: EventWriter;
  readonly live: LiveProjections;
  readonly mirror: NodeMirror;
  readonly lease: NodeLease;
  readonly clock: () => Date;
  readonly log: Logger;
  readonly bootedAt: number;
  readonly stopHeartbeat: () => void;
  readonly lock: WorkdirLock;
}

/** Record the stop, then close everything even when an earlier step failed. */
export async function stopNode(p: RunningParts, reason: StopReason, signal?: string): Promise<void> {
  p.stopHeartbeat();
  const uptimeMs = Math.max(0, p.clock().getTime() - p.bootedAt);
  try {
    // A node fenced by the lease cannot record its stop; the new holder's takeover says why.
    if (p.lease.lostReason) throw p.lease.lostReason;
    await p.writer.append({
      streamId: nodeStreamId(p.serverId),
      expectedVersion: "any",
      events: [NodeStopped.create({ bootId: p.bootId, reason, uptimeMs, ...(signal ? { signal } : {}) })],
    });
  } catch (error) {
    p.log.error({ err: error }, "could not record node.stopped");
  }
  try {
    await p.writer.close();
    p.live.stop();
    await p.mirror.appendLifecycle("shutdown", { bootId: p.bootId, reason, uptimeMs });
  } catch (error) {
    p.log.error({ err: error }, "could not write the shutdown line to the audit file");
  } finally {
    await p.mirror.close().catch(() => undefined);
    // After node.stopped: the next node may start at once instead of waiting out the TTL.
    await p.lease.release().catch((error: unknown) => p.log.warn({ err: error }, "could not release the writer lease; it expires by itself"));
    // The head includes the shutdown line: deleting it later is detected (src/audit/head.ts).
    // `stopped` also after a fatal stop: the process is gone either way.
    await p.dialect.touchServer(p.serverId, p.clock(), p.mirror.head, "stopped").catch(() => undefined);
    await p.dialect.close();
    await p.lock.release();
  }
}
