/**
 * Open the configured database and prove it answers before anything else happens, so an
 * operator reads "cannot reach the postgres database at db1:5432/certeasy: connection refused"
 * rather than a driver's stack. The description never includes credentials.
 */
import type { EventStoreDialect } from "./dialect.js";
import { DatabaseUnreachableError } from "./errors.js";
import { openDialect, type StoreOptions } from "./open.js";

export { DatabaseUnreachableError } from "./errors.js";

export async function openReachableDialect(options: StoreOptions): Promise<EventStoreDialect> {
  let dialect: EventStoreDialect | undefined;
  try {
    dialect = await openDialect(options);
    await dialect.ping();
    return dialect;
  } catch (error) {
    await dialect?.close().catch(() => undefined);
    const reason = error instanceof Error ? error.message : String(error);
    throw new DatabaseUnreachableError(`cannot reach the ${options.driver} database at ${describeTarget(options)}: ${reason}`, {
      cause: error,
    });
  }
}

export function describeTarget(options: StoreOptions): string {
  if (options.driver === "sqlite") return options.path;
  try {
    const url = new URL(options.dsn);
    const database = url.pathname.replace(/^\//, "");
    return `${url.hostname}${url.port ? `:${url.port}` : ""}${database ? `/${database}` : ""}`;
  } catch {
    // ADO-style "Server=…;Database=…" strings: name the server only.
    const server = /(?:^|;)\s*(?:server|data source|address)\s*=\s*([^;]+)/i.exec(options.dsn)?.[1]?.trim();
    return server ?? "the configured dsn";
  }
}
