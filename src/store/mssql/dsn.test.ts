import { describe, expect, it } from "vitest";
import { MssqlDsnError, parseMssqlDsn, withDatabase } from "./dsn.js";

describe("parseMssqlDsn", () => {
  it("reads an mssql:// URL, percent-decoding the credentials", () => {
    expect(
      parseMssqlDsn("mssql://certeasy%40corp:p%40ss%3Aw%2Fo%3Brd@db.example.internal:1444/certeasy?encrypt=true&trustServerCertificate=false"),
    ).toEqual({
      server: "db.example.internal",
      port: 1444,
      user: "certeasy@corp",
      password: "p@ss:w/o;rd",
      database: "certeasy",
      options: { encrypt: true, trustServerCertificate: false, abortTransactionOnError: true },
    });
  });

  it("accepts sqlserver://, a named instance, timeouts, and no database (the login's default)", () => {
    expect(
      parseMssqlDsn("sqlserver://sa:secret@127.0.0.1/?instanceName=SQLEXPRESS&connectTimeoutMs=2500&requestTimeoutMs=60000"),
    ).toEqual({
      server: "127.0.0.1",
      user: "sa",
      password: "secret",
      connectionTimeout: 2500,
      requestTimeout: 60000,
      options: { instanceName: "SQLEXPRESS", abortTransactionOnError: true },
    });
  });

  it("unwraps an IPv6 host", () => {
    expect(parseMssqlDsn("mssql://sa:x@[::1]:1433/db")).toMatchObject({ server: "::1", port: 1433, database: "db" });
  });

  it("reads an ADO.NET-style string with mssql's own parser and ignores its pool settings", () => {
    const config = parseMssqlDsn(
      "Server=tcp:db.example.internal,1445;Database=certeasy;User Id=app;Password=\"a;b=c\";Encrypt=true;TrustServerCertificate=true;Max Pool Size=3",
    );
    expect(config).toEqual({
      server: "db.example.internal",
      port: 1445,
      database: "certeasy",
      user: "app",
      password: "a;b=c",
      options: { encrypt: true, trustServerCertificate: true, abortTransactionOnError: true },
    });
  });

  it("reads a named instance from an ADO.NET-style string", () => {
    expect(parseMssqlDsn("Data Source=db\\ACME;Initial Catalog=certeasy;User ID=app;Password=x")).toMatchObject({
      server: "db",
      database: "certeasy",
      options: { instanceName: "ACME", abortTransactionOnError: true },
    });
  });

  it.each([
    ["", /empty/],
    ["mssql://", /not a valid URL|host is missing/],
    ["mssql://sa:x@db/certeasy?encrypt=yes", /encrypt must be true or false, not "yes"/],
    ["mssql://sa:x@db/certeasy?sslmode=require", /unknown parameter sslmode/],
    ["mssql://sa:x@db:1433/certeasy?instanceName=A", /either a port or instanceName/],
    ["mssql://sa:x@db/certeasy?connectTimeoutMs=soon", /whole number of milliseconds/],
    ["mssql://sa:%E0%A4%A@db/certeasy", /password is not valid percent-encoding/],
    ["Database=certeasy;User Id=app", /Server= .* is missing/],
  ])("refuses %j with a message saying what is wrong", (dsn, message) => {
    expect(() => parseMssqlDsn(dsn)).toThrow(MssqlDsnError);
    expect(() => parseMssqlDsn(dsn)).toThrow(message);
  });

  it("points the same server at another database", () => {
    const config = parseMssqlDsn("mssql://sa:x@db/certeasy");
    expect(withDatabase(config, "certeasy_test_1")).toEqual({ ...config, database: "certeasy_test_1" });
    expect(config.database).toBe("certeasy");
  });
});
