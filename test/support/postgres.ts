/**
 * PostgreSQL for tests that need a whole database of their own: a fresh schema at
 * 127.0.0.1:5432 (user postgres, database test), dropped afterwards. When nothing answers
 * there, the tests say so and skip — except under CI, where that fails the run.
 */
import { randomUUID } from "node:crypto";
import postgres from "postgres";
import type { StoreOptions } from "../../src/store/open.js";

export const PG_DSN = "postgres://postgres@127.0.0.1:5432/test";

export interface TestPostgres {
  setup(): Promise<void>;
  teardown(): Promise<void>;
  /** undefined when PostgreSQL is not reachable (outside CI) */
  storeOptions(): StoreOptions | undefined;
}

export function postgresForTests(label: string): TestPostgres {
  const schema = `certeasy_${label}_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
  let admin: postgres.Sql | undefined;
  return {
    async setup() {
      const sql = postgres(PG_DSN, { max: 1, connect_timeout: 3, onnotice: () => undefined });
      try {
        await sql`CREATE SCHEMA ${sql(schema)}`;
        admin = sql;
      } catch (error) {
        await sql.end({ timeout: 1 });
        if (process.env["CI"]) throw new Error(`PostgreSQL not reachable at 127.0.0.1:5432, and CI must run it: ${String(error)}`);
        console.warn(`PostgreSQL not reachable at 127.0.0.1:5432 — skipping the ${label} tests on it`);
      }
    },
    async teardown() {
      if (!admin) return;
      await admin`DROP SCHEMA IF EXISTS ${admin(schema)} CASCADE`;
      await admin.end({ timeout: 5 });
    },
    storeOptions: () => (admin ? { driver: "postgres", dsn: PG_DSN, maxConn: 10, pingTimeoutMs: 5000, schema } : undefined),
  };
}
