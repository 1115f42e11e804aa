import { describe, expect, it } from "vitest";
import type { RowChange } from "../../projections/row-change.js";
import { columnsNamed, groupChanges, ProjectionRowError } from "./row-change-sql.js";
import { nodeBoots } from "./schema/postgres.js";

describe("columnsNamed", () => {
  it("maps TS property names to the table's columns, and refuses one the table does not have", () => {
    expect(columnsNamed(nodeBoots, "node_boots", ["stoppedAt", "bootId"]).map((c) => c.name)).toEqual(["stopped_at", "boot_id"]);
    expect(() => columnsNamed(nodeBoots, "node_boots", ["bootID"])).toThrow(new ProjectionRowError("table node_boots has no column bootID"));
  });
});

describe("groupChanges", () => {
  const insert = (bootId: string, extra: Record<string, string> = {}): RowChange => ({ kind: "insert", table: "node_boots", row: { bootId, ...extra } });
  const update = (bootId: string, stopReason = "signal"): RowChange => ({ kind: "update", table: "node_boots", key: { bootId }, set: { stopReason } });
  const label = (change: RowChange) => (change.kind === "insert" ? String(change.row.bootId) : `U${String(change.key.bootId)}`);
  const runs = (changes: RowChange[], max = 10) => groupChanges(changes, max).map((run) => run.changes.map(label).join(""));

  it("joins consecutive same-shape changes and never reorders them", () => {
    expect(runs([insert("a"), insert("b"), update("a"), update("b"), insert("c"), insert("d", { hostname: "h" }), insert("e")])).toEqual([
      "ab", "UaUb", "c", "d", "e",
    ]);
  });

  it("treats the same columns in another order as the same shape", () => {
    const a: RowChange = { kind: "insert", table: "node_boots", row: { bootId: "a", pid: 1 } };
    const b: RowChange = { kind: "insert", table: "node_boots", row: { pid: 2, bootId: "b" } };
    expect(groupChanges([a, b], 10)).toHaveLength(1);
  });

  it("starts a new run when an update's row is already changed in the run (the second must see the first)", () => {
    expect(runs([update("a"), update("b"), update("a", "shutdown"), update("c")])).toEqual(["UaUb", "UaUc"]);
  });

  it("caps the rows of one statement", () => {
    expect(runs([insert("a"), insert("b"), insert("c")], 2)).toEqual(["ab", "c"]);
  });
});
