/**
 * `node_boots`: one row per process start of a node, closed by its clean stop. A row left
 * without `stopped_at` is a crash (or a node still running) — what an operator looks for after
 * an incident.
 */
import { decodeEvent, type StoredEvent } from "../../events/index.js";
import { rowProjection, type TableProjection } from "../projection.js";
import type { RowChange } from "../row-change.js";

export interface NodeBootRow {
  readonly bootId: string;
  readonly serverId: string;
  readonly hostname: string;
  readonly pid: number;
  readonly version: string;
  /** epoch ms */
  readonly startedAt: number;
  readonly startedPosition: number;
  readonly stoppedAt: number | null;
  readonly stopReason: string | null;
  readonly uptimeMs: number | null;
}

export function nodeBootChanges(event: StoredEvent): RowChange[] {
  const decoded = decodeEvent(event);
  switch (decoded.type) {
    case "node.started": {
      const row: NodeBootRow = {
        bootId: decoded.data.bootId,
        serverId: event.meta.node,
        hostname: decoded.data.hostname,
        pid: decoded.data.pid,
        version: decoded.data.version,
        startedAt: Date.parse(event.at),
        startedPosition: event.gp,
        stoppedAt: null,
        stopReason: null,
        uptimeMs: null,
      };
      return [{ kind: "insert", table: "node_boots", row: { ...row } }];
    }
    case "node.stopped":
      return [
        {
          kind: "update",
          table: "node_boots",
          key: { bootId: decoded.data.bootId },
          set: { stoppedAt: Date.parse(event.at), stopReason: decoded.data.reason, uptimeMs: decoded.data.uptimeMs },
        },
      ];
    default:
      return [];
  }
}

export const nodeBootsProjection: TableProjection = rowProjection("node_boots", ["node_boots"], nodeBootChanges);
