/**
 * The role `certeasy audit list-servers` shows for a node (issue 7), from its `servers` row and
 * the writer lease. The lease is the truth for `active` (DESIGN §2 invariant 8): a node whose
 * row still says active but whose lease expired or was taken was killed or paused. A row cannot
 * say a node died either: a SIGKILLed standby keeps `standby` forever, so that role is believed
 * only while the node's heartbeat keeps last_seen recent.
 */
import type { LeaseRow, ServerRow } from "../store/dialect.js";
import { HEARTBEAT_INTERVAL_MS } from "./heartbeat.js";

export type ShownRole = "active" | "standby" | "stopped" | "inactive";

/** A standby whose last_seen is older than this missed three heartbeats: it is gone. */
export const STANDBY_SILENCE_MS = 3 * HEARTBEAT_INTERVAL_MS;

export function shownRole(server: Pick<ServerRow, "serverId" | "lastSeen" | "role">, lease: LeaseRow | null, now: number): ShownRole {
  if (lease !== null && lease.holderServerId === server.serverId && lease.expiresAt > now) return "active";
  if (server.role === "stopped") return "stopped";
  if (server.role === "standby" && now - server.lastSeen <= STANDBY_SILENCE_MS) return "standby";
  return "inactive";
}
