/**
 * What every command needs from the config file: the parsed config, the store options and the
 * node options derived from it, and a database handle for the one-shot commands.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { userInfo } from "node:os";
import { dirname, join } from "node:path";
import type { Logger } from "pino";
import { loadConfig, type CerteasyConfig } from "../config/index.js";
import { createLogger } from "../log/logger.js";
import type { DatabaseConfig } from "../config/types.js";
import { ensureWorkdir } from "../node/identity.js";
import type { NodeOptions } from "../node/open-node.js";
import { SchemaNotCurrentError } from "../node/schema-gate.js";
import type { EventStoreDialect } from "../store/dialect.js";
import { openReachableDialect } from "../store/connect.js";
import type { StoreOptions } from "../store/open.js";
import { UsageError } from "./run.js";

export function requireConfigFile(file: string | undefined): CerteasyConfig {
  if (!file) throw new UsageError("no configuration file: pass -f <config.yml>");
  return loadConfig(file);
}

export function storeOptions(database: DatabaseConfig): StoreOptions {
  if (database.driver === "sqlite") return { driver: "sqlite", path: database.path };
  return {
    driver: database.driver,
    dsn: database.dsn,
    maxConn: database.maxConn,
    pingTimeoutMs: database.pingTimeoutMs,
    connMaxLifetimeMs: database.connMaxLifetimeMs,
    connMaxIdleTimeMs: database.connMaxIdleTimeMs,
  };
}

export function nodeOptions(config: CerteasyConfig, log: Logger): NodeOptions {
  return {
    workdir: config.workdir,
    store: storeOptions(config.database),
    noddl: config.database.noDdl,
    auditPath: config.audit.enabled ? config.audit.path : null,
    log,
    lease: config.lease,
  };
}

/**
 * The node options of an admin command that boots the node core itself (no server running):
 * the core logs warnings only, to stderr, since stdout is the command's answer.
 */
export function offlineAdminNodeOptions(config: CerteasyConfig): NodeOptions {
  return nodeOptions(config, createLogger({ ...config.logs, level: "warn", services: {} }, { destination: process.stderr }));
}

/** Who runs an admin command, recorded in its events' meta. */
export function operatorName(): string {
  try {
    return userInfo().username;
  } catch {
    return "unknown";
  }
}

export class NoDatabaseError extends Error {
  override readonly name = "NoDatabaseError";
}

/**
 * Open the configured database for a one-shot command. `migrate` may create a new SQLite file
 * (and the workdir, as `serve` would); a command that only reads says plainly that there is no
 * database yet instead of creating an empty one.
 */
export async function openConfiguredDatabase(config: CerteasyConfig, mode: "create" | "existing"): Promise<EventStoreDialect> {
  const { database } = config;
  if (database.driver === "sqlite") {
    if (mode === "create") {
      await ensureWorkdir(config.workdir);
      await mkdir(dirname(database.path), { recursive: true, mode: 0o700 });
    } else if (!existsSync(database.path)) {
      throw new NoDatabaseError(
        `no database at ${database.path}: this node has not started yet (run \`certeasy serve -f ${config.file}\` or \`certeasy migrate -f ${config.file}\`)`,
      );
    }
  }
  return openReachableDialect(storeOptions(database));
}

/**
 * Open the database for a one-shot command that reads it. Such commands never migrate: on a
 * database whose schema is behind this build they say so and point at `certeasy migrate`.
 */
export async function withDatabase<T>(config: CerteasyConfig, use: (dialect: EventStoreDialect) => Promise<T>): Promise<T> {
  const dialect = await openConfiguredDatabase(config, "existing");
  try {
    const status = await dialect.migrationStatus();
    if (status.pending.length > 0) {
      throw new SchemaNotCurrentError(
        `the database schema is not current (${status.pending.length} migration(s) pending): run \`certeasy migrate -f ${config.file}\` or start the server once`,
      );
    }
    return await use(dialect);
  } finally {
    await dialect.close();
  }
}

/** The server_id of this workdir's node, or null before its first boot. Never creates it. */
export async function readServerId(workdir: string): Promise<string | null> {
  try {
    return (await readFile(join(workdir, "server_id"), "utf8")).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}
