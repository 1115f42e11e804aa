/** Projection row changes as T-SQL: typed like their columns, in order, packed under the limit. */
import { describe, expect, it } from "vitest";
import type { RowChange } from "../../../projections/row-change.js";
import { ProjectionRowError } from "../row-change-sql.js";
import { clearProjectionSql, countOrdersByStatusSql, readOrdersPageSql, readProjectionSql, rowChangesSql } from "./projection-sql.js";
import { MAX_PARAMS_PER_REQUEST } from "./statement.js";

const bootRow = (bootId: string) => ({
  bootId,
  serverId: "6f1c3d2e-0000-4000-8000-000000000001",
  hostname: "acme-1.example.internal",
  pid: 4242,
  version: "0.1.0",
  startedAt: 1_764_489_600_000,
  startedPosition: 1,
  stoppedAt: null,
  stopReason: null,
  uptimeMs: null,
});

describe("rowChangesSql", () => {
  it("renders insert, update-by-key and delete-by-key in order, in one request", () => {
    const changes: RowChange[] = [
      { kind: "insert", table: "node_boots", row: { bootId: "b-1", pid: 7, stoppedAt: null } },
      { kind: "update", table: "node_boots", key: { bootId: "b-1" }, set: { stoppedAt: 9, stopReason: "shutdown" } },
      { kind: "delete", table: "node_boots", key: { bootId: "b-0", serverId: "s-0" } },
    ];
    const [request, ...more] = rowChangesSql(changes);
    expect(more).toEqual([]);
    expect(request?.text).toBe(
      "INSERT INTO [node_boots] ([boot_id], [pid], [stopped_at]) VALUES (@p0, @p1, @p2);\n" +
        "UPDATE [node_boots] SET [stopped_at] = @p3, [stop_reason] = @p4 WHERE [boot_id] = @p5;\n" +
        "DELETE FROM [node_boots] WHERE [boot_id] = @p6 AND [server_id] = @p7",
    );
    expect(request?.params.map((p) => [p.type, p.value])).toEqual([
      [{ name: "char", length: 36 }, "b-1"],
      [{ name: "int" }, 7],
      [{ name: "bigint" }, null],
      [{ name: "bigint" }, 9],
      [{ name: "varchar", length: 32 }, "shutdown"],
      [{ name: "char", length: 36 }, "b-1"],
      [{ name: "char", length: 36 }, "b-0"],
      [{ name: "char", length: 36 }, "s-0"],
    ]);
  });

  it("starts a new request before the parameter limit, never splitting a change", () => {
    const changes: RowChange[] = Array.from({ length: 450 }, (_, i) => ({
      kind: "insert",
      table: "node_boots",
      row: bootRow(`boot-${i}`),
    }));
    const requests = rowChangesSql(changes);
    expect(requests.map((r) => r.params.length)).toEqual([2000, 2000, 500]);
    expect(requests.every((r) => r.params.length <= MAX_PARAMS_PER_REQUEST)).toBe(true);
    const bootIds = requests.flatMap((r) => r.params.filter((_, i) => i % 10 === 0).map((p) => p.value));
    expect(bootIds).toEqual(changes.map((_, i) => `boot-${i}`));
    expect(requests[1]?.text.startsWith("INSERT INTO [node_boots] ([boot_id], ")).toBe(true);
  });

  it("makes no request for no change", () => {
    expect(rowChangesSql([])).toEqual([]);
  });

  it.each<[string, RowChange]>([
    ["an unknown column", { kind: "insert", table: "node_boots", row: { bootId: "b", nickname: "x" } }],
    ["an update without a key", { kind: "update", table: "node_boots", key: {}, set: { pid: 1 } }],
    ["an update without columns", { kind: "update", table: "node_boots", key: { bootId: "b" }, set: {} }],
    ["a delete without a key", { kind: "delete", table: "node_boots", key: {} }],
    ["an empty insert", { kind: "insert", table: "node_boots", row: {} }],
  ])("refuses %s as a projection bug", (_, change) => {
    expect(() => rowChangesSql([change])).toThrow(ProjectionRowError);
  });
});

describe("projection reads and rebuild", () => {
  it("reads every row ordered by every column, keyed by TS names", () => {
    expect(readProjectionSql("node_boots").text).toBe(
      "SELECT [boot_id] AS [bootId], [server_id] AS [serverId], [hostname], [pid], [version], [started_at] AS [startedAt], " +
        "[started_position] AS [startedPosition], [stopped_at] AS [stoppedAt], [stop_reason] AS [stopReason], " +
        "[uptime_ms] AS [uptimeMs] FROM [node_boots] ORDER BY [boot_id], [server_id], [hostname], [pid], [version], " +
        "[started_at], [started_position], [stopped_at], [stop_reason], [uptime_ms]",
    );
  });

  it("empties a table with DELETE before a rebuild", () => {
    expect(clearProjectionSql("node_boots").text).toBe("DELETE FROM [node_boots]");
  });

  it("counts orders per status through the status index, then the lapsed open orders, in one request", () => {
    const now = new Date("2026-11-30T12:00:00Z");
    const statement = countOrdersByStatusSql(now);
    expect(statement.text).toBe(
      "SELECT [status], COUNT_BIG(*) AS [total], CAST(0 AS bigint) AS [expired] FROM [acme_orders] GROUP BY [status] UNION ALL " +
        "SELECT [status], CAST(0 AS bigint), COUNT_BIG(*) FROM [acme_orders] WHERE [status] IN (@p0, @p1) AND [expires_at] <= @p2 GROUP BY [status]",
    );
    expect(statement.params).toEqual([
      { name: "p0", type: { name: "varchar", length: 16 }, value: "pending" },
      { name: "p1", type: { name: "varchar", length: 16 }, value: "ready" },
      { name: "p2", type: { name: "bigint" }, value: now.getTime() },
    ]);
  });

  it("reads a page of an account's orders through the (account_id, order_id) index, TOP rows in id order", () => {
    const statement = readOrdersPageSql("0190a000-0000-7000-8000-00000000000a", "0190a000-0000-7000-8000-000000000001", 101);
    expect(statement.text).toMatch(/^SELECT TOP \(@p0\) .+ FROM \[acme_orders\] WHERE \[account_id\] = @p1 AND \[order_id\] > @p2 ORDER BY \[order_id\]$/);
    expect(statement.params).toEqual([
      { name: "p0", type: { name: "int" }, value: 101 },
      { name: "p1", type: { name: "char", length: 36 }, value: "0190a000-0000-7000-8000-00000000000a" },
      { name: "p2", type: { name: "char", length: 36 }, value: "0190a000-0000-7000-8000-000000000001" },
    ]);
  });
});
