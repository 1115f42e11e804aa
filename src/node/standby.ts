/**
 * A warm standby (`certeasy serve --standby`, `lease.standby: true`; DESIGN §2 invariant 8):
 * the node attaches to the database (schema checked, never migrated), registers in `servers`,
 * and appends nothing — it holds no lease. It follows the log on a short interval and feeds its
 * in-memory projections (log position, rate limits, license counters, pending revocations…), so
 * they are warm when it takes over. It watches the lease on the same tick and takes it as soon
 * as it is free (expired, released, or never taken); then it finishes the boot as any node does
 * (audit file, writer, node.lease-acquired, node.started) and hands back the active core.
 */
import { Subject } from "rxjs";
import type { StoredEvent } from "../../events/index.js";
import { logPositionProjection } from "../../projections/index.js";
import type { ReadinessCheck } from "../http/routes/health.js";
import { startLiveProjections, type LiveProjections } from "../projection/live.js";
import { DEFAULTS } from "../config/defaults.js";
import type { LeaseRow } from "../store/dialect.js";
import { attachNode } from "./attach-node.js";
import { followLog } from "./follow-log.js";
import { startHeartbeat } from "./heartbeat.js";
import { LeaseHeldError, NodeLease } from "./lease.js";
import { activateNode, type NodeCore, type NodeOptions } from "./open-node.js";
import { refuseMultiHostSqlite } from "./standby-topology.js";

/** How often a standby reads the log tail and the lease: a cheap indexed read, well inside the TTL. */
export const STANDBY_POLL_MS = 250;

export interface StandbyOptions extends NodeOptions {
  /** how often the log tail and the lease are read (default STANDBY_POLL_MS) */
  readonly pollMs?: number;
}

export interface StandbyNode {
  readonly serverId: string;
  /** Resolves with the active node's core once this node took the lease and booted; rejects if that boot failed. */
  readonly activated: Promise<NodeCore>;
  /** `/readyz` while standing by: never ready, and says why. */
  readiness(): readonly ReadinessCheck[];
  /**
   * Stop standing by (a signal before any takeover): detach and resolve null. A takeover
   * already under way is let finish, and its core is returned for the caller to stop.
   */
  stop(): Promise<NodeCore | null>;
}

const isFree = (lease: LeaseRow | null, serverId: string, now: number): boolean =>
  lease === null || lease.expiresAt <= now || lease.holderServerId === serverId;

export async function openStandby(options: StandbyOptions): Promise<StandbyNode> {
  const { log } = options;
  const clock = options.clock ?? (() => new Date());
  const pollMs = options.pollMs ?? STANDBY_POLL_MS;
  const standingSince = clock().getTime();
  const attached = await attachNode({ ...options, clock }, "check");
  const { dialect, serverId } = attached;
  const feed = new Subject<StoredEvent>();
  let stopHeartbeat = (): void => undefined;
  let live: LiveProjections | undefined;
  let lastLease: LeaseRow | null;
  let firstBoot: boolean;
  try {
    lastLease = await dialect.readLease();
    await refuseMultiHostSqlite(options.store, lastLease, attached.hostname);
    ({ firstBoot } = await dialect.registerServer(serverId, attached.hostname, clock(), "standby"));
    live = await startLiveProjections([logPositionProjection, ...(options.memoryProjections ?? [])], { dialect, committed$: feed });
    stopHeartbeat = startHeartbeat(dialect, serverId, clock, () => undefined, (e) => log.warn({ err: e }, "heartbeat failed"), options.heartbeatMs);
  } catch (error) {
    stopHeartbeat();
    live?.stop();
    await attached.detach();
    throw error;
  }
  const projections = live;
  log.info({ serverId, position: projections.state(logPositionProjection).position, pollMs }, "standing by: following the log, waiting for the writer lease");

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let tickRunning: Promise<void> = Promise.resolve();
  let activation: Promise<NodeCore> | undefined;
  let lastError: string | undefined;
  let resolveActivated: (core: Promise<NodeCore>) => void = () => undefined;
  const activated = new Promise<NodeCore>((resolve) => {
    resolveActivated = resolve;
  });

  const takeOver = (tenure: NodeLease): void => {
    stopHeartbeat();
    const previous = tenure.previous;
    log.warn(
      {
        epoch: tenure.claim.epoch,
        ...(previous ? { previousHolder: previous.holderServerId, previousHostname: previous.holderHostname, previousExpiresAt: new Date(previous.expiresAt).toISOString() } : {}),
      },
      "the writer lease is free: this standby takes over",
    );
    activation = activateNode(attached, { ...options, clock }, { lease: tenure, live: projections, feed, standingSince, firstBoot });
    resolveActivated(activation);
  };

  const tick = async (): Promise<void> => {
    try {
      await followLog(dialect, projections, feed);
      const lease = (lastLease = await dialect.readLease());
      lastError = undefined;
      if (stopped || !isFree(lease, serverId, clock().getTime())) return;
      const tenure = await NodeLease.acquire({
        dialect,
        serverId,
        hostname: attached.hostname,
        clock,
        settings: options.lease ?? DEFAULTS.lease,
        force: false,
      }).catch((error: unknown) => {
        if (error instanceof LeaseHeldError) return null; // another node was quicker
        throw error;
      });
      if (tenure) takeOver(tenure);
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
      log.warn({ err: error }, "standby: could not follow the log or read the lease; retrying");
    } finally {
      if (!stopped && activation === undefined) timer = setTimeout(() => void (tickRunning = tick()), pollMs);
    }
  };
  tickRunning = tick();

  return {
    serverId,
    activated,
    readiness: () => {
      const position = projections.state(logPositionProjection).position;
      const failure = projections.failure();
      const lease = lastLease;
      const holder =
        lease && lease.expiresAt > clock().getTime()
          ? `the writer lease is held by server_id ${lease.holderServerId} on host ${lease.holderHostname} (epoch ${lease.epoch}) until ${new Date(lease.expiresAt).toISOString()}`
          : "the writer lease is free: taking over";
      const problem = failure ? `; projections failed: ${failure.message}` : lastError ? `; last poll failed: ${lastError}` : "";
      return [{ name: "standby", ready: false, detail: `standby: following the log at position ${position}; ${holder}${problem}` }];
    },
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await tickRunning;
      if (activation) return activation;
      stopHeartbeat();
      // `audit list-servers` shows the node stopped, not a standby that missed its heartbeats.
      await dialect.touchServer(serverId, clock(), undefined, "stopped").catch((error: unknown) => log.warn({ err: error }, "could not record the stop in servers"));
      projections.stop();
      await attached.detach();
      return null;
    },
  };
}
