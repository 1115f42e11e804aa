import { PgDialect } from "drizzle-orm/pg-core";
import { describe, expect, it } from "vitest";
import { ProjectionRowError, rowChangeSql } from "./row-change-sql.js";
import { nodeBoots } from "./schema/postgres.js";

const render = (...args: Parameters<typeof rowChangeSql>) => new PgDialect().sqlToQuery(rowChangeSql(...args));

describe("rowChangeSql", () => {
  it("maps TS property names to SQL columns and binds every value", () => {
    expect(
      render(nodeBoots, {
        kind: "update",
        table: "node_boots",
        key: { bootId: "b-1" },
        set: { stoppedAt: 10, stopReason: "shutdown" },
      }),
    ).toEqual({
      sql: 'update "node_boots" set "stopped_at" = $1, "stop_reason" = $2 where "boot_id" = $3',
      params: [10, "shutdown", "b-1"],
    });
    expect(render(nodeBoots, { kind: "delete", table: "node_boots", key: { bootId: "b-1" } }).sql).toBe(
      'delete from "node_boots" where "boot_id" = $1',
    );
  });

  it("refuses a column the table does not have, and a change without a key", () => {
    expect(() => render(nodeBoots, { kind: "insert", table: "node_boots", row: { bootID: "b-1" } })).toThrow(
      new ProjectionRowError("table node_boots has no column bootID"),
    );
    expect(() => render(nodeBoots, { kind: "delete", table: "node_boots", key: {} })).toThrow(ProjectionRowError);
  });
});
