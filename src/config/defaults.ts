/**
 * Every default of this step's configuration, in one place (behaviour reference §4.3). Since
 * 0.9.4 the loader applies them, so a partial section keeps the other keys at these values
 * instead of zero — before, a partial `server:` ran with no deadlines at all.
 */
export const DEFAULTS = {
  server: {
    listen: { host: "0.0.0.0", port: 8443 },
    readHeaderTimeoutMs: 5_000,
    readTimeoutMs: 10_000,
    writeTimeoutMs: 30_000,
    idleTimeoutMs: 60_000,
    maxBodyBytes: 1_048_576,
    shutdownTimeoutMs: 30_000,
  },
  database: {
    driver: "sqlite",
    sqlitePath: "%WORKDIR%/db.sqlite",
    pingTimeoutSec: 10,
    maxConn: 10,
    maxIdleConn: { sqlite: 2, network: 5 },
    /** PostgreSQL / SQL Server only; SQLite connections are not recycled unless asked */
    connMaxLifetimeMs: 120_000,
    connMaxIdleTimeMs: 60_000,
    noDdl: false,
  },
  logs: { level: "info", format: "json", output: "stderr" },
  audit: { enabled: true, path: "%WORKDIR%/audit.log" },
  workers: { drainTimeoutMs: 30_000 },
} as const;
