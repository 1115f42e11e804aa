/**
 * The PostgreSQL connection pool (postgres-js) and its drizzle wrapper. A dead or unreachable
 * server must reject, never hang: connect_timeout comes from pingTimeoutMs.
 */
import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import type { PgTable } from "drizzle-orm/pg-core";
import postgres from "postgres";
import type { ProjectionTableName } from "../../../projections/row-change.js";
import type { LogHead } from "../dialect.js";
import type { PoolLifetimes } from "../open.js";
import { acmeAccounts, acmeAuthorizations, acmeCertificates, acmeChallenges, acmeEabKeys, acmeOrders, nodeBoots } from "../schema/postgres.js";

export interface PostgresOptions extends PoolLifetimes {
  /** postgres://user:password@host:port/database */
  readonly dsn: string;
  /** pool size */
  readonly maxConn: number;
  /** bounds connecting and `ping` */
  readonly pingTimeoutMs: number;
  /**
   * Schema to work in (the connection's search_path). It must exist: the dialect never
   * creates schemas (the tests create their own).
   */
  readonly schema?: string;
}

export interface PostgresConnection {
  readonly client: postgres.Sql;
  readonly db: PostgresJsDatabase;
  readonly pingTimeoutMs: number;
  /** the writer's own connection and what it last committed (one-flight appends, one-flight.ts) */
  readonly appender: Appender;
}

export interface Appender {
  /** a pool of one: the queries of a batch go out on one connection, in order, without waiting */
  readonly sql: postgres.Sql;
  /** the head this dialect's last append left; null until then, and after any failed append */
  head: LogHead | null;
}

/** What statements can be sent on: the pool, a connection of its own, or a postgres-js transaction. */
export type Queryable = postgres.Sql | postgres.TransactionSql;

export type PostgresTransaction = Parameters<Parameters<PostgresJsDatabase["transaction"]>[0]>[0];

/** Every projection table, by the name projections use in RowChange. */
export const postgresProjectionTables: Readonly<Record<ProjectionTableName, PgTable>> = {
  node_boots: nodeBoots,
  acme_accounts: acmeAccounts,
  acme_orders: acmeOrders,
  acme_authorizations: acmeAuthorizations,
  acme_challenges: acmeChallenges,
  acme_certificates: acmeCertificates,
  acme_eab_keys: acmeEabKeys,
};

/**
 * Seconds a pool connection waits before reconnecting after a failed connection. postgres-js
 * defaults to 3^retries / 100 s capped at 20 s, with `retries` shared by the whole pool and
 * reset only by a successful connect: after a few seconds of PostgreSQL being down every
 * connection waited up to 20 s, and requests queued on them hung that long instead of failing
 * fast, and service came back that long after the database did (test/faults/postgres-restart).
 * Capped at 1 s: a refused connect is cheap, so a request still fails within about a second.
 */
export function reconnectBackoff(retries: number): number {
  return Math.min(1, 0.1 * retries);
}

const seconds = (ms: number | null | undefined): number => (ms ? Math.max(1, Math.ceil(ms / 1000)) : 0);

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function openPostgres(options: PostgresOptions): PostgresConnection {
  const client = pool(options, options.maxConn);
  // Opened lazily by postgres-js, at the first one-flight append: one connection more than max-conn.
  const appender: Appender = { sql: pool(options, 1), head: null };
  return { client, db: drizzle({ client }), pingTimeoutMs: options.pingTimeoutMs, appender };
}

function pool(options: PostgresOptions, max: number): postgres.Sql {
  return postgres(options.dsn, {
    max,
    // postgres-js counts whole seconds.
    connect_timeout: Math.max(1, Math.ceil(options.pingTimeoutMs / 1000)),
    backoff: reconnectBackoff,
    // conn-max-idle-time / conn-max-lifetime (whole seconds); 0 = never, as in postgres-js.
    idle_timeout: seconds(options.connMaxIdleTimeMs),
    max_lifetime: seconds(options.connMaxLifetimeMs),
    // CREATE … IF NOT EXISTS and friends send NOTICEs; they are not news to an operator.
    onnotice: () => undefined,
    connection: {
      application_name: "certeasy",
      ...(options.schema === undefined ? {} : { search_path: quoteIdentifier(options.schema) }),
    },
  });
}
