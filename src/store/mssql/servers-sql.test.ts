/**
 * The node registry's T-SQL as sent to SQL Server (no server needed): the role is written at
 * registration, set by a touch only when given, and bound typed like its column.
 */
import { describe, expect, it } from "vitest";
import { insertServerSql, refreshServerSql, touchServerSql } from "./servers-sql.js";

const id = "6f1c3d2e-0000-4000-8000-000000000001";
const roleParam = (value: string) => ({ name: expect.stringMatching(/^p\d+$/), type: { name: "varchar", length: 16 }, value });

describe("servers T-SQL", () => {
  it("registers a node with its role, as an insert or a refresh", () => {
    const insert = insertServerSql(id, "acme-a", 1000, "standby");
    expect(insert.text).toMatch(/^INSERT INTO \[servers\] \(\[server_id\], \[hostname\], \[first_seen\], \[last_seen\], \[role\]\) VALUES \(@p\d+, @p\d+, @p\d+, @p\d+, @p\d+\)$/);
    expect(insert.params.at(-1)).toEqual(roleParam("standby"));
    const refresh = refreshServerSql(id, "acme-a", 2000, "active");
    expect(refresh.text).toMatch(/SET \[hostname\] = @p\d+, \[last_seen\] = @p\d+, \[role\] = @p\d+ WHERE \[server_id\] = @p\d+$/);
    expect(refresh.params).toContainEqual(roleParam("active"));
  });

  it("leaves the role alone on a heartbeat and sets it at a clean stop", () => {
    expect(touchServerSql(id, 3000).text).not.toContain("[role]");
    expect(touchServerSql(id, 3000, { lines: 4, hash: "e".repeat(64) }).text).not.toContain("[role]");
    const stop = touchServerSql(id, 4000, { lines: 5, hash: "f".repeat(64) }, "stopped");
    expect(stop.text).toMatch(/, \[audit_head_hash\] = @p\d+, \[role\] = @p\d+ WHERE \[server_id\] = @p\d+$/);
    expect(stop.params).toContainEqual(roleParam("stopped"));
    expect(new Set(stop.params.map((p) => p.name)).size).toBe(stop.params.length);
  });
});
