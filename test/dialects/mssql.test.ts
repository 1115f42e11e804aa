/**
 * The event-store suite on SQL Server, when CERTEASY_TEST_MSSQL_URL names one (an mssql://
 * URL or an ADO-style string for a login that may CREATE DATABASE). Each test gets a database
 * of its own, dropped afterwards. Without the variable the suite is registered as skipped.
 */
import { randomUUID } from "node:crypto";
import mssql from "mssql";
import type { ConnectionPool } from "mssql";
import { afterAll, describe, expect, it } from "vitest";
import { parseMssqlDsn } from "../../src/store/mssql/dsn.js";
import { bracket } from "../../src/store/mssql/statement.js";
import { openDialect } from "../../src/store/open.js";
import { describeEventStore, type EventStoreHarness } from "./event-store.suite.js";

const URL_VARIABLE = "CERTEASY_TEST_MSSQL_URL";
const serverDsn = process.env[URL_VARIABLE]?.trim() || undefined;
if (!serverDsn) console.warn(`SQL Server: set ${URL_VARIABLE} to run the dialect suite`);

/** The same server and login, another database (ADO form: values must not contain `;`). */
function dsnForDatabase(dsn: string, database: string): string {
  if (/^(mssql|sqlserver):\/\//i.test(dsn)) {
    const url = new URL(dsn);
    url.pathname = `/${encodeURIComponent(database)}`;
    return url.toString();
  }
  const rest = dsn
    .split(";")
    .filter((part) => part.trim() !== "" && !/^\s*(database|initial catalog)\s*=/i.test(part));
  return [...rest, `Database=${database}`].join(";");
}

let admin: Promise<ConnectionPool> | undefined;
function adminPool(): Promise<ConnectionPool> {
  if (!serverDsn) throw new Error(`${URL_VARIABLE} is not set`);
  admin ??= new mssql.ConnectionPool({ ...parseMssqlDsn(serverDsn), pool: { max: 2 } }).connect();
  return admin;
}
afterAll(async () => (await admin)?.close());

async function freshDatabase(): Promise<EventStoreHarness> {
  const root = await adminPool();
  const database = `certeasy_test_${randomUUID().replaceAll("-", "")}`;
  await root.request().batch(`CREATE DATABASE ${bracket(database)}`);
  const dsn = dsnForDatabase(serverDsn ?? "", database);
  const dialect = await openDialect({ driver: "sqlserver", dsn, maxConn: 5, pingTimeoutMs: 5000 });
  const raw = await new mssql.ConnectionPool({ ...parseMssqlDsn(dsn), pool: { max: 1 } }).connect();
  return {
    dialect,
    query: async (statement) => [...((await raw.request().query<Record<string, unknown>>(statement)).recordset ?? [])],
    cleanup: async () => {
      await dialect.close();
      await raw.close();
      // Pooled connections may linger server-side for a moment; take them down with the database.
      await root
        .request()
        .batch(`ALTER DATABASE ${bracket(database)} SET SINGLE_USER WITH ROLLBACK IMMEDIATE; DROP DATABASE ${bracket(database)}`);
    },
  };
}

// TRUNCATE bypasses triggers on SQL Server, so the suite's TRUNCATE check does not apply.
describeEventStore("sqlserver", freshDatabase, { skip: !serverDsn });

describe("dsnForDatabase", () => {
  it("replaces the database of a URL or an ADO-style string", () => {
    expect(dsnForDatabase("mssql://sa:p%40ss@db:1433/master?encrypt=true", "t1")).toBe("mssql://sa:p%40ss@db:1433/t1?encrypt=true");
    expect(dsnForDatabase("Server=db;Initial Catalog=master;User Id=sa;Password=x;", "t1")).toBe(
      "Server=db;User Id=sa;Password=x;Database=t1",
    );
  });
});
