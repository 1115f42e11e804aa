import { describe, expect, it } from "vitest";
import { openPostgres } from "./connection.js";

describe("PostgreSQL pool settings", () => {
  it("take database.conn-max-idle-time and conn-max-lifetime, in whole seconds, 0 meaning never", async () => {
    const dsn = "postgres://postgres@127.0.0.1:5432/test";
    const tuned = openPostgres({ dsn, maxConn: 7, pingTimeoutMs: 2500, connMaxIdleTimeMs: 60_000, connMaxLifetimeMs: 90_500 });
    expect(tuned.client.options).toMatchObject({ max: 7, connect_timeout: 3, idle_timeout: 60, max_lifetime: 91 });
    const never = openPostgres({ dsn, maxConn: 1, pingTimeoutMs: 1000, connMaxIdleTimeMs: null });
    expect(never.client.options).toMatchObject({ idle_timeout: 0, max_lifetime: 0 });
    await Promise.all([tuned.client.end(), never.client.end()]);
  });
});
