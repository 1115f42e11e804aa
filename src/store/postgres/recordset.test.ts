import { describe, expect, it } from "vitest";
import { ProjectionRowError } from "../row-change-sql.js";
import { projectionStatements } from "./recordset.js";

describe("projectionStatements", () => {
  it("sends a run of updates as one fixed-shape statement whatever its length, the rows as JSON", () => {
    const update = (bootId: string, stoppedAt: number) =>
      ({ kind: "update", table: "node_boots", key: { bootId }, set: { stoppedAt, stopReason: "shutdown" } }) as const;
    const [one] = projectionStatements([update("a", 1)]);
    const [three] = projectionStatements([update("a", 1), update("b", 2), update("c", 3)]);
    expect(one?.text).toBe(
      'update "node_boots" as t set "stop_reason" = r."s:stopReason", "stopped_at" = r."s:stoppedAt" ' +
        'from certeasy_json_rows($1::text::json) as e, json_to_record(e) as r("k:bootId" char(36), "s:stopReason" varchar(32), "s:stoppedAt" bigint) ' +
        'where t."boot_id" = r."k:bootId"',
    );
    expect(three?.text).toBe(one?.text);
    expect(JSON.parse(three?.rows ?? "")).toEqual([
      { "k:bootId": "a", "s:stoppedAt": 1, "s:stopReason": "shutdown" },
      { "k:bootId": "b", "s:stoppedAt": 2, "s:stopReason": "shutdown" },
      { "k:bootId": "c", "s:stoppedAt": 3, "s:stopReason": "shutdown" },
    ]);
  });

  it("renders inserts and deletes by column name and type", () => {
    const [insert, remove] = projectionStatements([
      { kind: "insert", table: "node_boots", row: { pid: 7, bootId: "a" } },
      { kind: "delete", table: "node_boots", key: { bootId: "a" } },
    ]);
    expect(insert?.text).toBe(
      'insert into "node_boots" ("boot_id", "pid") select r."bootId", r."pid" from json_to_recordset($1::text::json) as r("bootId" char(36), "pid" integer)',
    );
    expect(remove?.text).toBe(
      'delete from "node_boots" as t using certeasy_json_rows($1::text::json) as e, json_to_record(e) as r("k:bootId" char(36)) where t."boot_id" = r."k:bootId"',
    );
  });

  it("refuses a change that would touch every row, or a column the table lacks", () => {
    expect(() => projectionStatements([{ kind: "delete", table: "node_boots", key: {} }])).toThrow(ProjectionRowError);
    expect(() => projectionStatements([{ kind: "update", table: "acme_orders", key: { orderId: "o" }, set: {} }])).toThrow(ProjectionRowError);
    expect(() => projectionStatements([{ kind: "insert", table: "node_boots", row: { bootID: "a" } }])).toThrow(
      new ProjectionRowError("table node_boots has no column bootID"),
    );
  });
});
