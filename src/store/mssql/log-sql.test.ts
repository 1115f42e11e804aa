/**
 * The event log's T-SQL as sent to SQL Server: the head lock hints, typed parameters (so keys
 * are compared without conversion) and request splitting under the 2100-parameter limit.
 */
import { describe, expect, it } from "vitest";
import type { EventRow } from "../dialect.js";
import {
  insertEventsSql,
  insertImportedStreamsSql,
  insertStreamsSql,
  lockHeadSql,
  readAllSql,
  readByServerSql,
  streamVersionsSql,
  updateHeadSql,
  updateStreamsSql,
} from "./log-sql.js";
import { MAX_PARAMS_PER_REQUEST, type Statement } from "./statement.js";

const row = (position: number): EventRow => ({
  position,
  eventId: `0190a000-0000-7000-8000-${String(position).padStart(12, "0")}`,
  streamId: "node:1",
  streamVersion: position,
  eventType: "node.started",
  schemaVersion: 1,
  recordedAt: 1_764_489_600_000 + position,
  serverId: "6f1c3d2e-0000-4000-8000-000000000001",
  body: `{"gp":${position},"note":"żółw"}`,
  hash: "ab".repeat(32),
});

const paramNamesAreDistinct = (s: Statement): boolean => new Set(s.params.map((p) => p.name)).size === s.params.length;

describe("head lock", () => {
  it("takes an update lock on the one head row and holds it until commit", () => {
    expect(lockHeadSql.text).toBe(
      "SELECT [last_position] AS [position], [last_hash] AS [hash] FROM [es_log_head] WITH (UPDLOCK, HOLDLOCK, ROWLOCK) WHERE [id] = 1",
    );
  });

  it("advances the head with typed parameters", () => {
    const s = updateHeadSql({ position: 42, hash: "cd".repeat(32) });
    expect(s.text).toBe("UPDATE [es_log_head] SET [last_position] = @p0, [last_hash] = @p1 WHERE [id] = 1");
    expect(s.params).toEqual([
      { name: "p0", type: { name: "bigint" }, value: 42 },
      { name: "p1", type: { name: "char", length: 64 }, value: "cd".repeat(32) },
    ]);
  });
});

describe("event inserts", () => {
  it("insert one row per event, every column bound with its column's type", () => {
    const [s, ...more] = insertEventsSql([row(1)]);
    expect(more).toEqual([]);
    expect(s?.text).toBe(
      "INSERT INTO [es_events] ([position], [event_id], [stream_id], [stream_version], [event_type], [schema_version], " +
        "[recorded_at], [server_id], [body], [hash]) VALUES (@p0, @p1, @p2, @p3, @p4, @p5, @p6, @p7, @p8, @p9)",
    );
    expect(s?.params.map((p) => [p.type, p.value])).toEqual([
      [{ name: "bigint" }, 1],
      [{ name: "char", length: 36 }, row(1).eventId],
      [{ name: "varchar", length: 200 }, "node:1"],
      [{ name: "bigint" }, 1],
      [{ name: "varchar", length: 128 }, "node.started"],
      [{ name: "int" }, 1],
      [{ name: "bigint" }, row(1).recordedAt],
      [{ name: "char", length: 36 }, row(1).serverId],
      // NVARCHAR(MAX): the body is stored as the exact text that was hashed, whatever its characters.
      [{ name: "nvarchar", length: "max" }, row(1).body],
      [{ name: "char", length: 64 }, row(1).hash],
    ]);
  });

  it("split a large batch into requests under the parameter limit, keeping position order", () => {
    const rows = Array.from({ length: 450 }, (_, i) => row(i + 1));
    const statements = insertEventsSql(rows);
    expect(statements.map((s) => s.params.length / 10)).toEqual([200, 200, 50]);
    for (const s of statements) {
      expect(s.params.length).toBeLessThanOrEqual(MAX_PARAMS_PER_REQUEST);
      expect(paramNamesAreDistinct(s)).toBe(true);
    }
    const positions = statements.flatMap((s) => s.params.filter((_, i) => i % 10 === 0).map((p) => p.value));
    expect(positions).toEqual(rows.map((r) => r.position));
  });
});

describe("streams", () => {
  it("read the versions of many streams in as few requests as the limit allows", () => {
    const ids = Array.from({ length: 4500 }, (_, i) => `order:${i}`);
    const statements = streamVersionsSql(ids);
    expect(statements.map((s) => s.params.length)).toEqual([1000, 1000, 1000, 1000, 500]);
    expect(statements[0]?.text).toMatch(/^SELECT \[stream_id\] AS \[streamId\], \[version\] FROM \[es_streams\] WHERE \[stream_id\] IN \(@p0, @p1, /);
    expect(statements.every((s) => s.params.every((p) => p.type.name === "varchar"))).toBe(true);
    expect(statements.flatMap((s) => s.params.map((p) => p.value))).toEqual(ids);
  });

  it("insert new streams with their type and one shared timestamp", () => {
    const [s] = insertStreamsSql([{ streamId: "order:1", streamType: "order", version: 2 }], 1_764_489_600_123);
    expect(s?.text).toBe(
      "INSERT INTO [es_streams] ([stream_id], [stream_type], [version], [created_at], [updated_at]) VALUES (@p1, @p2, @p3, @p0, @p0)",
    );
    expect(s?.params.map((p) => p.value)).toEqual([1_764_489_600_123, "order:1", "order", 2]);
  });

  it("insert the streams an import creates with the times of their own events, split under the parameter limit", () => {
    const [s] = insertImportedStreamsSql([{ streamId: "order:1", streamType: "order", version: 3, createdAt: 10, updatedAt: 20 }]);
    expect(s?.text).toBe(
      "INSERT INTO [es_streams] ([stream_id], [stream_type], [version], [created_at], [updated_at]) VALUES (@p0, @p1, @p2, @p3, @p4)",
    );
    expect(s?.params.map((p) => [p.type.name, p.value])).toEqual([
      ["varchar", "order:1"], ["varchar", "order"], ["bigint", 3], ["bigint", 10], ["bigint", 20],
    ]);
    const many = insertImportedStreamsSql(Array.from({ length: 500 }, (_, i) => ({ streamId: `order:${i}`, streamType: "order", version: 1, createdAt: i, updatedAt: i })));
    expect(many.length).toBeGreaterThan(1);
    for (const statement of many) expect(statement.params.length).toBeLessThanOrEqual(MAX_PARAMS_PER_REQUEST);
    expect(many.reduce((n, st) => n + st.params.length, 0)).toBe(500 * 5);
  });

  it("advance existing streams only from the version read under the lock, counting the rows it must touch", () => {
    const moved = Array.from({ length: 700 }, (_, i) => ({ streamId: `order:${i}`, from: i, to: i + 1 }));
    const statements = updateStreamsSql(moved, 7);
    expect(statements.map((s) => s.rows)).toEqual([666, 34]);
    expect(statements.map((s) => s.params.length)).toEqual([1 + 666 * 3, 1 + 34 * 3]);
    const [pair] = updateStreamsSql(
      [
        { streamId: "order:9", from: 3, to: 5 },
        { streamId: "order:8", from: 0, to: 1 },
      ],
      7,
    );
    expect(pair?.text).toBe(
      "UPDATE [es_streams] SET [version] = @p1, [updated_at] = @p0 WHERE [stream_id] = @p2 AND [version] = @p3;\n" +
        "UPDATE [es_streams] SET [version] = @p4, [updated_at] = @p0 WHERE [stream_id] = @p5 AND [version] = @p6",
    );
    expect(pair?.params.map((p) => p.value)).toEqual([7, 5, "order:9", 3, 1, "order:8", 0]);
    expect(pair?.rows).toBe(2);
  });

  it("make no request when there is nothing to write", () => {
    expect(insertEventsSql([])).toEqual([]);
    expect(insertStreamsSql([], 1)).toEqual([]);
    expect(updateStreamsSql([], 1)).toEqual([]);
    expect(streamVersionsSql([])).toEqual([]);
  });
});

describe("log reads", () => {
  it("page by position, returning columns under their TS names", () => {
    const s = readAllSql(20, 10);
    expect(s.text).toBe(
      "SELECT TOP (@p0) [position], [event_id] AS [eventId], [stream_id] AS [streamId], [stream_version] AS [streamVersion], " +
        "[event_type] AS [eventType], [schema_version] AS [schemaVersion], [recorded_at] AS [recordedAt], " +
        "[server_id] AS [serverId], [body], [hash] FROM [es_events] WHERE [position] > @p1 ORDER BY [position]",
    );
    expect(s.params.map((p) => p.value)).toEqual([10, 20]);
  });

  it("never ask TOP for a negative count", () => {
    expect(readAllSql(0, -5).params[0]?.value).toBe(0);
    expect(readByServerSql("x", 0, 2.7).params[0]?.value).toBe(2);
  });

  it("filter by writing node with the node id typed like the indexed column", () => {
    const s = readByServerSql("6f1c3d2e-0000-4000-8000-000000000001", 3, 100);
    expect(s.text).toMatch(/WHERE \[server_id\] = @p1 AND \[position\] > @p2 ORDER BY \[position\]$/);
    expect(s.params[1]).toEqual({ name: "p1", type: { name: "char", length: 36 }, value: "6f1c3d2e-0000-4000-8000-000000000001" });
  });
});
