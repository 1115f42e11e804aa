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

export const nodeEvents = [NodeStarted, NodeStopped] as const;
