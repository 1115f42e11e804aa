/**
 * Open the event store on the configured database. Each dialect is imported on demand, so a
 * PostgreSQL deployment never loads the SQLite native addon, and the other way round.
 */
import type { EventStoreDialect } from "./dialect.js";

/** `database.conn-max-lifetime` / `conn-max-idle-time`; null or absent: never. */
export interface PoolLifetimes {
  readonly connMaxLifetimeMs?: number | null;
  readonly connMaxIdleTimeMs?: number | null;
}

export type StoreOptions =
  | { readonly driver: "sqlite"; readonly path: string; readonly busyTimeoutMs?: number }
  | ({
      readonly driver: "postgres";
      readonly dsn: string;
      readonly maxConn: number;
      readonly pingTimeoutMs: number;
      /** search_path; the schema must exist */
      readonly schema?: string;
    } & PoolLifetimes)
  | ({ readonly driver: "sqlserver"; readonly dsn: string; readonly maxConn: number; readonly pingTimeoutMs: number } & PoolLifetimes);

export async function openDialect(options: StoreOptions): Promise<EventStoreDialect> {
  switch (options.driver) {
    case "sqlite": {
      const { createSqliteDialect } = await import("./sqlite/dialect.js");
      return createSqliteDialect(options);
    }
    case "postgres": {
      const { createPostgresDialect } = await import("./postgres/dialect.js");
      return createPostgresDialect(options);
    }
    case "sqlserver": {
      const { createMssqlDialect } = await import("./mssql/dialect.js");
      return createMssqlDialect(options);
    }
  }
}
