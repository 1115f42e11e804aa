/**
 * The boot sequence of a node's core, shared by `serve`, the crash tests and the benchmark
 * (reference certeasy-behaviour.md §11.6): workdir and server_id, database reachable and
 * migrated, node registered, audit file opened (foreign-node check, torn-tail repair,
 * re-mirror), writer started, in-memory projections hydrated, `node.started` appended. The
 * reverse happens in `stop`. HTTP and TLS sit on top of this, in the serve command.
 */
import { hostname } from "node:os";
import type { Logger } from "pino";
import { NodeStarted, NodeStopped, nodeStreamId, type StoredEvent } from "../../events/index.js";
import { logPositionProjection, tableProjections, type MemoryProjection } from "../../projections/index.js";
import { openAuditFile, type AuditMirror } from "../audit/index.js";
import { startLiveProjections, type LiveProjections } from "../projection/live.js";
import type { EventStoreDialect } from "../store/dialect.js";
import { openReachableDialect } from "../store/connect.js";
import type { StoreOptions } from "../store/open.js";
import { uuidv7 } from "../store/uuid.js";
import { EventWriter, type EventWriterOptions } from "../store/writer.js";
import { CERTEASY_VERSION } from "../version.js";
import { startHeartbeat } from "./heartbeat.js";
import { ensureWorkdir, loadOrCreateServerId } from "./identity.js";
import { lockWorkdir, type WorkdirLock } from "./workdir-lock.js";
import { prepareSchema } from "./schema-gate.js";

export interface NodeOptions {
  readonly workdir: string;
  readonly store: StoreOptions;
  /** issue no DDL; refuse to start on pending migrations (`database.noddl`) */
  readonly noddl: boolean;
  /** null when `audit.enabled: false` */
  readonly auditPath: string | null;
  readonly log: Logger;
  readonly clock?: () => Date;
  readonly memoryProjections?: readonly MemoryProjection<unknown>[];
  readonly heartbeatMs?: number;
  /** called after each group commit (metrics, benchmark) */
  readonly onBatch?: EventWriterOptions["onBatch"];
  /** called for every committed event, from the first (this boot's node.started) on (metrics) */
  readonly onCommitted?: (event: StoredEvent) => void;
}

export interface NodeCore {
  readonly serverId: string;
  readonly bootId: string;
  readonly dialect: EventStoreDialect;
  readonly writer: EventWriter;
  readonly live: LiveProjections;
  readonly clock: () => Date;
  /** Append node.stopped, write the shutdown line, close the writer, audit file and database. */
  stop(reason: "signal" | "shutdown" | "fatal", signal?: string): Promise<void>;
}

type NodeMirror = Pick<AuditMirror, "appendEvents" | "appendLifecycle" | "close">;

/** An audit mirror that writes nothing, for `audit.enabled: false` (warned about at startup). */
const noAudit: NodeMirror = {
  appendEvents: async () => {},
  appendLifecycle: async () => {},
  close: async () => {},
};

export async function openNode(options: NodeOptions): Promise<NodeCore> {
  const { log } = options;
  const clock = options.clock ?? (() => new Date());
  const started = performance.now();
  await ensureWorkdir(options.workdir);
  const lock = await lockWorkdir(options.workdir, clock());
  if (lock.tookOverFrom !== null) log.warn({ pid: lock.tookOverFrom, path: lock.path }, "took over the workdir lock of a process that no longer runs");
  let dialect: EventStoreDialect | undefined;
  let mirror: NodeMirror = noAudit;
  try {
    const identity = await loadOrCreateServerId(options.workdir);
    const serverId = identity.serverId;
    log.info({ serverId, created: identity.created, path: identity.path }, "node identity");
    dialect = await openReachableDialect(options.store);
    await prepareSchema(dialect, options.noddl, log);
    if (options.auditPath !== null) {
      // openAuditFile logs its own repairs (torn tail, re-mirrored events).
      mirror = (await openAuditFile({ path: options.auditPath, serverId, store: dialect, clock, log })).mirror;
    }
    // Registered only once the audit file has accepted this node: a refused boot writes nothing.
    const host = hostname();
    const { firstBoot } = await dialect.registerServer(serverId, host, clock());

    const writer = new EventWriter({
      dialect,
      serverId,
      clock,
      projections: tableProjections,
      mirror,
      onBatch: options.onBatch,
      onStopped: (error) => log.fatal({ err: error }, "writes are refused from now on: the audit file cannot be written (readiness is false; restart once the disk is fixed)"),
    });
    if (options.onCommitted) writer.committed$.subscribe(options.onCommitted);
    const live = await startLiveProjections([logPositionProjection, ...(options.memoryProjections ?? [])], {
      dialect,
      committed$: writer.committed$,
    });
    const boot = { bootId: uuidv7(), hostname: host, pid: process.pid, version: CERTEASY_VERSION };
    await mirror.appendLifecycle("boot", boot);
    await writer.append({ streamId: nodeStreamId(serverId), expectedVersion: "any", events: [NodeStarted.create({ ...boot, firstBoot })] });
    const stopHeartbeat = startHeartbeat(dialect, serverId, clock, (e) => log.warn({ err: e }, "heartbeat failed"), options.heartbeatMs);
    log.info({ serverId, bootId: boot.bootId, firstBoot, ms: Math.round(performance.now() - started) }, "node core started");

    const parts = { serverId, bootId: boot.bootId, dialect, writer, live, mirror, clock, log, bootedAt: clock().getTime(), stopHeartbeat, lock };
    let stopping: Promise<void> | undefined;
    const stop = (reason: StopReason, signal?: string): Promise<void> => (stopping ??= stopNode(parts, reason, signal));
    return { serverId, bootId: boot.bootId, dialect, writer, live, clock, stop };
  } catch (error) {
    await mirror.close().catch(() => undefined);
    await dialect?.close().catch(() => undefined);
    await lock.release();
    throw error;
  }
}

type StopReason = "signal" | "shutdown" | "fatal";

interface RunningParts {
  readonly serverId: string;
  readonly bootId: string;
  readonly dialect: EventStoreDialect;
  readonly writer: EventWriter;
  readonly live: LiveProjections;
  readonly mirror: NodeMirror;
  readonly clock: () => Date;
  readonly log: Logger;
  readonly bootedAt: number;
  readonly stopHeartbeat: () => void;
  readonly lock: WorkdirLock;
}

/** Record the stop, then close everything even when an earlier step failed. */
async function stopNode(p: RunningParts, reason: StopReason, signal?: string): Promise<void> {
  p.stopHeartbeat();
  const uptimeMs = Math.max(0, p.clock().getTime() - p.bootedAt);
  try {
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
    await p.dialect.touchServer(p.serverId, p.clock()).catch(() => undefined);
    await p.dialect.close();
    await p.lock.release();
  }
}
