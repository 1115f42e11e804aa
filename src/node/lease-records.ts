/**
 * How a change of writer-lease holder is recorded (DESIGN §2 invariants 7 and 8): in the log
 * when this node can still append (a takeover, before its node.started), and in this node's
 * own audit file in every case — including the loss, which the log cannot take any more.
 */
import { NodeLeaseAcquired, NodeLeaseTakenOver, nodeStreamId } from "../../events/index.js";
import type { AuditMirror } from "../audit/index.js";
import type { LeaseRow } from "../store/dialect.js";
import type { LeaseLostError } from "../store/errors.js";
import type { EventWriter } from "../store/writer.js";
import type { NodeLease } from "./lease.js";

/** The audit file of a node, or a stand-in that writes nothing (`audit.enabled: false`); `head` is absent then. */
export type NodeMirror = Pick<AuditMirror, "appendEvents" | "appendLifecycle" | "close"> & { readonly head?: AuditMirror["head"] };

/** Another node took this node's lease: its audit file says so, and who holds the lease now. */
export async function recordLeaseLost(mirror: NodeMirror, epoch: number, error: LeaseLostError): Promise<void> {
  const current = error.current;
  await mirror.appendLifecycle("lease-lost", {
    epoch,
    ...(current ? { holder: current.holderServerId, holderHostname: current.holderHostname, holderEpoch: current.epoch } : {}),
  });
}

/**
 * A standby took an expired lease: the log says who held it before (node.lease-acquired), and
 * so does the audit file (a takeover line, via standby), before node.started.
 */
export async function recordStandbyTakeover(writer: EventWriter, mirror: NodeMirror, serverId: string, tenure: NodeLease, standbyMs: number): Promise<void> {
  const previous = tenure.previous;
  const before: { previousHolder?: string; previousHostname?: string; previousEpoch?: number; previousExpiresAt?: string } =
    previous && previous.holderServerId !== serverId
      ? {
          previousHolder: previous.holderServerId,
          previousHostname: previous.holderHostname,
          previousEpoch: previous.epoch,
          previousExpiresAt: new Date(previous.expiresAt).toISOString(),
        }
      : {};
  const acquired = { epoch: tenure.claim.epoch, via: "standby" as const, standbyMs: Math.max(0, Math.round(standbyMs)), ...before };
  await mirror.appendLifecycle("takeover", { ...acquired });
  await writer.append({ streamId: nodeStreamId(serverId), expectedVersion: "any", events: [NodeLeaseAcquired.create(acquired)] });
}

/**
 * --force-takeover cut a live holder off: say so in the audit file and in the log, before
 * node.started, so both show why the other node's writes stopped.
 */
export async function recordTakeover(writer: EventWriter, mirror: NodeMirror, serverId: string, epoch: number, previous: LeaseRow): Promise<void> {
  const taken = {
    previousHolder: previous.holderServerId,
    previousHostname: previous.holderHostname,
    previousEpoch: previous.epoch,
    previousExpiresAt: new Date(previous.expiresAt).toISOString(),
    epoch,
  };
  await mirror.appendLifecycle("takeover", taken);
  await writer.append({ streamId: nodeStreamId(serverId), expectedVersion: "any", events: [NodeLeaseTakenOver.create(taken)] });
}
