/**
 * The first half of a node's boot, shared by an active node (openNode) and a warm standby
 * (openStandby): workdir and its lock, server_id, database reachable and its schema checked.
 * Nothing is written to the shared database here beyond migrations, and no file but the workdir
 * lock and server_id: a node refused later leaves no audit file behind.
 */
import { hostname } from "node:os";
import type { Logger } from "pino";
import type { EventStoreDialect } from "../store/dialect.js";
import { openReachableDialect } from "../store/connect.js";
import type { StoreOptions } from "../store/open.js";
import { ensureWorkdir, loadOrCreateServerId } from "./identity.js";
import { lockWorkdir, type WorkdirLock } from "./workdir-lock.js";
import { prepareSchema, SchemaNotCurrentError } from "./schema-gate.js";

export interface AttachOptions {
  readonly workdir: string;
  readonly store: StoreOptions;
  /** issue no DDL; refuse to start on pending migrations (`database.noddl`) */
  readonly noddl: boolean;
  readonly log: Logger;
  readonly clock: () => Date;
}

export interface AttachedNode {
  readonly serverId: string;
  readonly hostname: string;
  readonly dialect: EventStoreDialect;
  readonly lock: WorkdirLock;
  /** Close the database and release the workdir lock (a boot that stops before serving). */
  detach(): Promise<void>;
}

/**
 * `schema: "migrate"` applies pending migrations (unless noddl); `"check"` only refuses when
 * any are pending: a standby must not change the schema under the active node.
 */
export async function attachNode(options: AttachOptions, schema: "migrate" | "check"): Promise<AttachedNode> {
  const { log } = options;
  await ensureWorkdir(options.workdir);
  const lock = await lockWorkdir(options.workdir, options.clock());
  if (lock.tookOverFrom !== null) log.warn({ pid: lock.tookOverFrom, path: lock.path }, "took over the workdir lock of a process that no longer runs");
  let dialect: EventStoreDialect | undefined;
  try {
    const identity = await loadOrCreateServerId(options.workdir);
    log.info({ serverId: identity.serverId, created: identity.created, path: identity.path }, "node identity");
    dialect = await openReachableDialect(options.store);
    if (schema === "migrate") await prepareSchema(dialect, options.noddl, log);
    else await refusePendingMigrations(dialect);
    const opened = dialect;
    return {
      serverId: identity.serverId,
      hostname: hostname(),
      dialect: opened,
      lock,
      detach: async () => {
        await opened.close().catch(() => undefined);
        await lock.release();
      },
    };
  } catch (error) {
    await dialect?.close().catch(() => undefined);
    await lock.release();
    throw error;
  }
}

async function refusePendingMigrations(dialect: EventStoreDialect): Promise<void> {
  const status = await dialect.migrationStatus();
  if (status.pending.length === 0) return;
  throw new SchemaNotCurrentError(
    `a standby does not migrate the database under the active node, and ${status.pending.length} migration(s) are pending ` +
      `(${status.pending.join(", ")}): start a node without --standby (lease.standby: false) first, or run \`certeasy migrate\``,
  );
}
