/**
 * The boot sequence of a node's core, shared by `serve`, the crash tests and the benchmark
 * (reference certeasy-behaviour.md §11.6): workdir and server_id, database reachable and
 * migrated (attach-node.ts), writer lease taken (refused while another node holds it), audit
 * file opened (foreign-node check, torn-tail repair, re-mirror), node registered, writer
 * started, in-memory projections hydrated (or handed over warm by a standby), `node.started`
 * appended. The reverse happens in `stop` (stop-node.ts). HTTP and TLS sit on top of this, in
 * the serve command.
 */
import type { Logger } from "pino";
import type { Subject } from "rxjs";
import { NodeStarted, nodeStreamId, type StoredEvent } from "../../events/index.js";
import { logPositionProjection, tableProjections, type MemoryProjection } from "../../projections/index.js";
import { openAuditFile } from "../audit/index.js";
import { startLiveProjections, type LiveProjections } from "../projection/live.js";
import type { EventStoreDialect } from "../store/dialect.js";
import type { StoreOptions } from "../store/open.js";
import { uuidv7 } from "../store/uuid.js";
import { EventWriter, type EventWriterOptions } from "../store/writer.js";
import { CERTEASY_VERSION } from "../version.js";
import type { LeaseTiming } from "./lease.js";
import { DEFAULTS } from "../config/defaults.js";
import { LeaseLostError } from "../store/errors.js";
import { startHeartbeat } from "./heartbeat.js";
import { NodeLease } from "./lease.js";
import { attachNode, type AttachedNode } from "./attach-node.js";
import { followLog } from "./follow-log.js";
import { recordLeaseLost, recordStandbyTakeover, recordTakeover, type NodeMirror } from "./lease-records.js";
import { stopNode, type StopReason } from "./stop-node.js";

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
  /** the writer lease's TTL and renewal interval (`lease` config section) */
  readonly lease?: LeaseTiming;
  /** take the writer lease even from a live holder (`serve --force-takeover`) */
  readonly forceTakeover?: boolean;
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
  /** this node's writer lease; `lease.lost` resolves when another node has taken it */
  readonly lease: NodeLease;
  /** Append node.stopped, write the shutdown line, close the writer, audit file and database. */
  stop(reason: "signal" | "shutdown" | "fatal", signal?: string): Promise<void>;
}

/** `head` is absent without an audit file: there is nothing to record then. */

/** An audit mirror that writes nothing, for `audit.enabled: false` (warned about at startup). */
const noAudit: NodeMirror = {
  appendEvents: async () => {},
  appendLifecycle: async () => {},
  close: async () => {},
};

export async function openNode(options: NodeOptions): Promise<NodeCore> {
  const clock = options.clock ?? (() => new Date());
  const attached = await attachNode({ ...options, clock }, "migrate");
  return activateNode(attached, options, null);
}

/**
 * What a warm standby hands over when it has taken the lease: the tenure, and the in-memory
 * projections it kept warm by following the log, with the stream that fed them.
 */
export interface WarmStandby {
  readonly lease: NodeLease;
  readonly live: LiveProjections;
  /** what the live projections follow: the standby's log reader until now, the writer from here on */
  readonly feed: Subject<StoredEvent>;
  /** when the node started standing by (epoch ms) */
  readonly standingSince: number;
  /** the standby's own registration was this server_id's first against the database */
  readonly firstBoot: boolean;
}

/**
 * The second half of the boot: the writer lease (unless a standby brings it), the audit file,
 * the node's registration, the writer, the in-memory projections, node.started. The lease
 * comes before the audit file: a node refused by the lease must not leave an audit file.
 */
export async function activateNode(attached: AttachedNode, options: NodeOptions, warm: WarmStandby | null): Promise<NodeCore> {
  const { log } = options;
  const { serverId, dialect, lock } = attached;
  const host = attached.hostname;
  const clock = options.clock ?? (() => new Date());
  const started = performance.now();
  let mirror: NodeMirror = noAudit;
  let lease: NodeLease | undefined = warm?.lease;
  try {
    const tenure = (lease ??= await NodeLease.acquire({
      dialect,
      serverId,
      hostname: host,
      clock,
      settings: options.lease ?? DEFAULTS.lease,
      force: options.forceTakeover ?? false,
    }));
    // Renew from now on: hydrating a long log may take longer than the TTL.
    tenure.startRenewing((e) => log.warn({ err: e }, "could not renew the writer lease; retrying (the database may be unreachable)"));
    const takenOver = tenure.takenOverFrom;
    log.info({ epoch: tenure.claim.epoch, ...(takenOver ? { takenOverFrom: takenOver.holderServerId } : {}) }, "writer lease acquired");
    if (options.auditPath !== null) {
      // openAuditFile logs its own repairs (torn tail, re-mirrored events).
      mirror = (await openAuditFile({ path: options.auditPath, serverId, store: dialect, clock, log })).mirror;
    }
    // Registered only once the audit file and the lease have accepted this node: a refused
    // boot writes nothing.
    const registered = await dialect.registerServer(serverId, host, clock(), "active");
    // A node that first registered as a standby boots for the first time now.
    const firstBoot = registered.firstBoot || (warm?.firstBoot ?? false);

    const writer = new EventWriter({
      dialect,
      serverId,
      leaseEpoch: tenure.claim.epoch,
      clock,
      projections: tableProjections,
      mirror,
      onBatch: options.onBatch,
      onStopped: (error) => {
        if (error instanceof LeaseLostError) tenure.lostBecause(error);
        else log.fatal({ err: error }, "writes are refused from now on: the audit file cannot be written (readiness is false; restart once the disk is fixed)");
      },
    });
    const fileMirror = mirror;
    void tenure.lost.then(async (error) => {
      log.fatal({ err: error }, "writer lease lost: another node is active; this node appends nothing more and stops serving");
      writer.leaseLost(error);
      await recordLeaseLost(fileMirror, tenure.claim.epoch, error).catch((e: unknown) => log.error({ err: e }, "could not write the lease-lost line to the audit file"));
    });
    if (options.onCommitted) writer.committed$.subscribe(options.onCommitted);
    const live = warm ? await handOver(warm, dialect, writer) : await startLiveProjections([logPositionProjection, ...(options.memoryProjections ?? [])], { dialect, committed$: writer.committed$ });
    const boot = { bootId: uuidv7(), hostname: host, pid: process.pid, version: CERTEASY_VERSION };
    await mirror.appendLifecycle("boot", boot);
    if (takenOver) await recordTakeover(writer, mirror, serverId, tenure.claim.epoch, takenOver);
    if (warm) await recordStandbyTakeover(writer, mirror, serverId, tenure, clock().getTime() - warm.standingSince);
    await writer.append({ streamId: nodeStreamId(serverId), expectedVersion: "any", events: [NodeStarted.create({ ...boot, firstBoot })] });
    // Record the head now rather than a heartbeat later: a file this boot started anew
    // (openAuditFile) replaces the head of the one that was moved aside.
    await dialect.touchServer(serverId, clock(), mirror.head);
    const stopHeartbeat = startHeartbeat(dialect, serverId, clock, () => mirror.head, (e) => log.warn({ err: e }, "heartbeat failed"), options.heartbeatMs);
    log.info({ serverId, bootId: boot.bootId, firstBoot, ms: Math.round(performance.now() - started) }, "node core started");

    const parts = { serverId, bootId: boot.bootId, dialect, writer, live, mirror, lease: tenure, clock, log, bootedAt: clock().getTime(), stopHeartbeat, lock };
    let stopping: Promise<void> | undefined;
    const stop = (reason: StopReason, signal?: string): Promise<void> => (stopping ??= stopNode(parts, reason, signal));
    return { serverId, bootId: boot.bootId, dialect, writer, live, clock, lease: tenure, stop };
  } catch (error) {
    await lease?.release().catch(() => undefined);
    await mirror.close().catch(() => undefined);
    warm?.live.stop();
    await attached.detach();
    throw error;
  }
}

/**
 * The standby's projections follow the writer from now on. The lease is ours, so the log can
 * only grow by our own appends: read what the standby had not seen yet, then subscribe before
 * the first append (the projections skip positions they have already applied).
 */
async function handOver(warm: WarmStandby, dialect: EventStoreDialect, writer: EventWriter): Promise<LiveProjections> {
  await followLog(dialect, warm.live, warm.feed);
  writer.committed$.subscribe(warm.feed);
  return warm.live;
}

