import { PgDialect } from "drizzle-orm/pg-core";
import { describe, expect, it } from "vitest";
import { groupInserts, insertRowsSql, ProjectionRowError, rowChangeSql } from "./row-change-sql.js";
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

describe("groupInserts", () => {
  const insert = (bootId: string, extra: Record<string, string> = {}) =>
    ({ kind: "insert", table: "node_boots", row: { bootId, ...extra } }) as const;
  const update = { kind: "update", table: "node_boots", key: { bootId: "a" }, set: { stopReason: "signal" } } as const;

  it("joins consecutive same-shape inserts and never reorders around other changes", () => {
    const runs = groupInserts([insert("a"), insert("b"), update, insert("c"), insert("d", { hostname: "h" }), insert("e")], 10);
    expect(runs.map((r) => (r.kind === "inserts" ? r.rows.map((row) => row.bootId).join("") : "U"))).toEqual(["ab", "U", "c", "d", "e"]);
  });

  it("caps the rows of one statement", () => {
    expect(groupInserts([insert("a"), insert("b"), insert("c")], 2).map((r) => r.kind === "inserts" && r.rows.length)).toEqual([2, 1]);
  });

  it("renders one multi-row insert with every value bound", () => {
    const query = new PgDialect().sqlToQuery(insertRowsSql(nodeBoots, "node_boots", [{ bootId: "a", pid: 1 }, { bootId: "b", pid: 2 }]));
    expect(query).toEqual({ sql: 'insert into "node_boots" ("boot_id", "pid") values ($1, $2), ($3, $4)', params: ["a", 1, "b", 2] });
  });
});
