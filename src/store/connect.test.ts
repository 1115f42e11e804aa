import { describe, expect, it } from "vitest";
import { DatabaseUnreachableError, describeTarget, openReachableDialect } from "./connect.js";

describe("connecting to the configured database", () => {
  it("names the target without credentials", () => {
    expect(describeTarget({ driver: "postgres", dsn: "postgres://certeasy:s3cret@db1.corp:5432/certeasy?sslmode=require", maxConn: 1, pingTimeoutMs: 1 })).toBe("db1.corp:5432/certeasy");
    expect(describeTarget({ driver: "sqlserver", dsn: "Server=sql1,1433;Database=ca;User Id=x;Password=p", maxConn: 1, pingTimeoutMs: 1 })).toBe("sql1,1433");
    expect(describeTarget({ driver: "sqlite", path: "/var/lib/certeasy/db.sqlite" })).toBe("/var/lib/certeasy/db.sqlite");
  });

  it("turns a refused connection into one readable error", async () => {
    const opening = openReachableDialect({ driver: "postgres", dsn: "postgres://postgres:pw@127.0.0.1:1/test", maxConn: 1, pingTimeoutMs: 2000 });
    await expect(opening).rejects.toBeInstanceOf(DatabaseUnreachableError);
    await expect(opening).rejects.toThrow(/^cannot reach the postgres database at 127\.0\.0\.1:1\/test: .*ECONNREFUSED/);
    await expect(opening).rejects.not.toThrow(/pw/);
  });
});
