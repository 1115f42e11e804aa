import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openDialect } from "../store/open.js";
import { startHeartbeat } from "./heartbeat.js";

describe("heartbeat", () => {
  it("refreshes last_seen and the audit head on its interval and keeps first_seen", async () => {
    const dir = await mkdtemp(join(tmpdir(), "certeasy-hb-"));
    const dialect = await openDialect({ driver: "sqlite", path: join(dir, "db.sqlite") });
    await dialect.migrate();
    const serverId = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b";
    let now = Date.UTC(2026, 10, 30, 8, 0, 0);
    await dialect.registerServer(serverId, "ca1", new Date(now), "active");
    const errors: unknown[] = [];
    // The audit file grows between beats; each beat records the head as it is then (SQLite
    // writes synchronously inside the beat, so the last beat's head is the one stored).
    let lines = 0;
    const head = () => ({ lines: ++lines, hash: String(lines % 10).repeat(64) });
    const stop = startHeartbeat(dialect, serverId, () => new Date((now += 60_000)), head, (e: unknown) => errors.push(e), 20);
    await expect.poll(async () => (await dialect.listServers())[0]?.lastSeen, { timeout: 5000 }).toBeGreaterThanOrEqual(Date.UTC(2026, 10, 30, 8, 2, 0));
    stop();
    const [row] = await dialect.listServers();
    expect(row?.firstSeen).toBe(Date.UTC(2026, 10, 30, 8, 0, 0));
    expect(row?.auditLines).toBe(lines);
    expect(row?.auditHeadHash).toBe(String(lines % 10).repeat(64));
    expect(errors).toEqual([]);
    await dialect.close();
  });
});
