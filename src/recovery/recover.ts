/**
 * `events recover --from-audit`: after the database was restored from an older backup, the
 * events written since exist only in the nodes' audit files (each event line carries its whole
 * stored event, src/audit/line.ts). Read every file given, checking its chain; merge what they
 * carry beyond the database's head (merge.ts); put it back through the dialect's importEvents, a
 * transaction per batch, holding the writer lease so that no node appends meanwhile; then
 * rebuild the projection tables from the whole log, as `projections rebuild` does.
 *
 * Safe to run again after an interruption: each batch commits whole, and the next run starts
 * from the head the last committed batch left.
 */
import type { StoredEvent } from "../../events/index.js";
import type { RowChange } from "../../projections/row-change.js";
import { LeaseHeldError, type LeaseTiming } from "../node/lease.js";
import type { EventStoreDialect, LeaseClaim, LogHead, RebuildProgress } from "../store/dialect.js";
import { readFileEvents, type FileEvents } from "./file-events.js";
import { mergeFileEvents, type RecoveryPlan } from "./merge.js";

/** The node that runs the recovery, taking the writer lease as it. */
export interface RecoveringNode {
  readonly serverId: string;
  readonly hostname: string;
  readonly lease: LeaseTiming;
}

export interface RecoverOptions {
  readonly dialect: EventStoreDialect;
  /** audit files, any order; every node that wrote since the backup must be among them */
  readonly files: readonly string[];
  /** check and report only; takes no lease and writes nothing */
  readonly dryRun: boolean;
  readonly node: RecoveringNode;
  readonly clock: () => Date;
  readonly project: (events: readonly StoredEvent[]) => readonly RowChange[];
  readonly onImport?: (done: number, total: number) => void;
  readonly onRebuild?: (p: RebuildProgress) => void;
  /** events per transaction (default 500) */
  readonly batchSize?: number;
}

export interface RecoveryReport {
  readonly headBefore: LogHead;
  readonly headAfter: LogHead;
  readonly plan: RecoveryPlan;
  /** per file: lines read and any torn last line left out */
  readonly files: readonly Pick<FileEvents, "path" | "lines" | "tornTail">[];
  /** nodes that wrote recovered events and were missing from `servers` (registered) */
  readonly registered: readonly string[];
  /** events in the log after the projection rebuild; null on a dry run or with nothing to recover */
  readonly rebuiltFrom: number | null;
}

export async function recoverFromAudit(options: RecoverOptions): Promise<RecoveryReport> {
  const { dialect, node, clock } = options;
  let claim: LeaseClaim | null = null;
  if (!options.dryRun) {
    const acquired = await dialect.acquireLease({ serverId: node.serverId, hostname: node.hostname, now: clock(), ttlMs: node.lease.ttlMs, force: false });
    if (!acquired.ok) throw new LeaseHeldError(acquired.holder);
    claim = { serverId: node.serverId, epoch: acquired.lease.epoch };
  }
  try {
    // Read under the lease: no node appends between here and the import.
    const headBefore = await dialect.head();
    const files: FileEvents[] = [];
    for (const path of options.files) files.push(await readFileEvents(path, headBefore, dialect));
    const plan = mergeFileEvents(headBefore, files);
    const fileSummaries = files.map(({ path, lines, tornTail }) => ({ path, lines, tornTail }));
    if (options.dryRun || plan.events.length === 0 || !claim) {
      return { headBefore, headAfter: headBefore, plan, files: fileSummaries, registered: [], rebuiltFrom: null };
    }
    const batchSize = options.batchSize ?? 500;
    let headAfter = headBefore;
    for (let i = 0; i < plan.events.length; i += batchSize) {
      const outcome = await dialect.importEvents(plan.events.slice(i, i + batchSize), { serverId: claim.serverId, leaseEpoch: claim.epoch, project: options.project });
      headAfter = outcome.head;
      claim = { serverId: node.serverId, epoch: outcome.leaseEpoch ?? claim.epoch };
      options.onImport?.(Math.min(i + batchSize, plan.events.length), plan.events.length);
      await dialect.renewLease(claim, clock(), node.lease.ttlMs);
    }
    const registered = await registerMissingNodes(dialect, plan.events);
    const rebuilt = await dialect.rebuildProjections(options.project, options.onRebuild);
    return { headBefore, headAfter, plan, files: fileSummaries, registered, rebuiltFrom: rebuilt.head };
  } finally {
    // Released even after a refusal, so the next node need not wait out the TTL.
    if (claim) await dialect.releaseLease(claim, clock()).catch(() => undefined);
  }
}

/**
 * A node that first booted after the backup is missing from `servers`: register it, with the
 * host and time of its first recovered node.started, so `audit list-servers` shows it and
 * `audit verify` can check its file.
 */
async function registerMissingNodes(dialect: EventStoreDialect, events: readonly StoredEvent[]): Promise<string[]> {
  const known = new Set((await dialect.listServers()).map((s) => s.serverId));
  const registered: string[] = [];
  for (const event of events) {
    const node = event.meta.node;
    if (known.has(node) || event.type !== "node.started") continue;
    const data = event.data as { readonly hostname?: unknown };
    const hostname = typeof data.hostname === "string" ? data.hostname : "unknown";
    // Recovery runs with every node stopped: the node is known again, not running.
    await dialect.registerServer(node, hostname, new Date(event.at), "stopped");
    known.add(node);
    registered.push(node);
  }
  return registered;
}
