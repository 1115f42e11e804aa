/**
 * Node lifecycle: which node ran, when, and how it stopped. Stream `node:<server_id>`.
 * Heartbeats are not events (they only refresh `servers.last_seen`): a minute-by-minute tick
 * would swamp the log without telling an auditor anything.
 */
import { z } from "zod";
import { defineEvent } from "./define.js";

export const nodeStreamId = (serverId: string): string => `node:${serverId}`;

export const NodeStarted = defineEvent(
  "node.started",
  z.strictObject({
    /** random per process start; ties node.stopped to its node.started */
    bootId: z.uuid(),
    hostname: z.string().min(1),
    pid: z.number().int().positive(),
    version: z.string().min(1),
    /** true the first time this server_id boots against this database */
    firstBoot: z.boolean(),
  }),
);

export const NodeStopped = defineEvent(
  "node.stopped",
  z.strictObject({
    bootId: z.uuid(),
    reason: z.enum(["signal", "shutdown", "fatal"]),
    signal: z.string().optional(),
    uptimeMs: z.number().int().nonnegative(),
  }),
);

/**
 * `certeasy serve --force-takeover`: this node took the writer lease from another that still
 * held it, unexpired (DESIGN §2 invariant 8). The previous holder can append nothing more (its
 * epoch is stale); this records who was cut off and why its later writes fail. Every event
 * carries its writer's epoch in `meta.epoch`, so ordinary acquisitions need no event of their
 * own: the node.started that follows each one shows the new epoch.
 */
export const NodeLeaseTakenOver = defineEvent(
  "node.lease-taken-over",
  z.strictObject({
    previousHolder: z.uuid(),
    previousHostname: z.string().min(1),
    previousEpoch: z.number().int().positive(),
    /** when the previous holder's lease would have expired, ISO-8601 */
    previousExpiresAt: z.iso.datetime(),
    epoch: z.number().int().positive(),
  }),
);

/**
 * A warm standby (`serve --standby`) took the writer lease after the previous holder stopped
 * renewing it (crashed, killed, paused or cut off past `lease.ttl`). Unlike
 * node.lease-taken-over, the previous lease had expired: nobody was cut off. It names the
 * previous holder (absent when no node had held the lease, or the last one released it at a
 * clean stop) so the log tells which node's death the takeover answered.
 */
export const NodeLeaseAcquired = defineEvent(
  "node.lease-acquired",
  z.strictObject({
    /** the new fencing epoch */
    epoch: z.number().int().positive(),
    /** how the node came to take it; only a standby records this event today */
    via: z.literal("standby"),
    /** how long this node had been standing by, ms */
    standbyMs: z.number().int().nonnegative(),
    previousHolder: z.uuid().optional(),
    previousHostname: z.string().min(1).optional(),
    previousEpoch: z.number().int().positive().optional(),
    /** when the previous holder's lease expired (or was released), ISO-8601 */
    previousExpiresAt: z.iso.datetime().optional(),
  }),
);

export const nodeEvents = [NodeStarted, NodeStopped, NodeLeaseTakenOver, NodeLeaseAcquired] as const;
