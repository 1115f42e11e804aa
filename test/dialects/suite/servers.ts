/** The node registry: first boot detection, last_seen refreshes, newest first, recorded audit heads, roles. */
import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import type { SuiteContext } from "../event-store.suite.js";

const at = (minute: number): Date => new Date(Date.UTC(2026, 10, 30, 8, minute, 0, 123));

export function serverTests({ migrated }: SuiteContext): void {
  it("registers a node once, refreshes it on later boots and lists the newest first", async () => {
    const { dialect } = await migrated();
    const a = randomUUID();
    const b = randomUUID();

    expect(await dialect.registerServer(a, "acme-a", at(0), "active")).toEqual({ firstBoot: true });
    expect(await dialect.registerServer(a, "acme-a2", at(5), "active")).toEqual({ firstBoot: false });
    expect(await dialect.listServers()).toEqual([
      { serverId: a, hostname: "acme-a2", firstSeen: at(0).getTime(), lastSeen: at(5).getTime(), auditLines: null, auditHeadHash: null, role: "active" },
    ]);

    expect(await dialect.registerServer(b, "acme-b", at(7), "standby")).toEqual({ firstBoot: true });
    expect((await dialect.listServers()).map((s) => s.serverId)).toEqual([b, a]);

    await dialect.touchServer(a, at(9));
    const listed = await dialect.listServers();
    expect(listed.map((s) => s.serverId)).toEqual([a, b]);
    expect(listed[0]).toEqual({ serverId: a, hostname: "acme-a2", firstSeen: at(0).getTime(), lastSeen: at(9).getTime(), auditLines: null, auditHeadHash: null, role: "active" });
  });

  it("records a node's audit head with last_seen, keeps it when none is given, and replaces it with a newer one", async () => {
    const { dialect } = await migrated();
    const a = randomUUID();
    const b = randomUUID();
    await dialect.registerServer(a, "acme-a", at(0), "active");
    await dialect.registerServer(b, "acme-b", at(0), "active");
    const row = async (id: string) => (await dialect.listServers()).find((s) => s.serverId === id);

    await dialect.touchServer(a, at(1), { lines: 3, hash: "c".repeat(64) });
    expect(await row(a)).toMatchObject({ lastSeen: at(1).getTime(), auditLines: 3, auditHeadHash: "c".repeat(64) });
    expect(await row(b)).toMatchObject({ auditLines: null, auditHeadHash: null });

    // A touch without a head (audit.enabled: false) and a later boot keep what was recorded.
    await dialect.touchServer(a, at(2));
    await dialect.registerServer(a, "acme-a", at(3), "active");
    expect(await row(a)).toMatchObject({ lastSeen: at(3).getTime(), auditLines: 3, auditHeadHash: "c".repeat(64) });

    // Line counts past 2^31: a node appends for years.
    await dialect.touchServer(a, at(4), { lines: 2 ** 40, hash: "d".repeat(64) });
    expect(await row(a)).toMatchObject({ auditLines: 2 ** 40, auditHeadHash: "d".repeat(64) });
  });

  it("records the role a node registers with, keeps it through heartbeats, and changes it at takeover and at a clean stop", async () => {
    const { dialect } = await migrated();
    const active = randomUUID();
    const standby = randomUUID();
    const role = async (id: string) => (await dialect.listServers()).find((s) => s.serverId === id)?.role;

    await dialect.registerServer(active, "acme-a", at(0), "active");
    await dialect.registerServer(standby, "acme-b", at(0), "standby");
    expect(await role(active)).toBe("active");
    expect(await role(standby)).toBe("standby");

    // Heartbeats refresh last_seen and the head, never the role.
    await dialect.touchServer(standby, at(1));
    await dialect.touchServer(active, at(1), { lines: 4, hash: "e".repeat(64) });
    expect(await role(standby)).toBe("standby");
    expect(await role(active)).toBe("active");

    // The active stops cleanly (head and role in one write); the standby takes over.
    await dialect.touchServer(active, at(2), { lines: 5, hash: "f".repeat(64) }, "stopped");
    expect(await dialect.registerServer(standby, "acme-b", at(2), "active")).toEqual({ firstBoot: false });
    expect((await dialect.listServers()).find((s) => s.serverId === active)).toMatchObject({ role: "stopped", lastSeen: at(2).getTime(), auditLines: 5 });
    expect(await role(standby)).toBe("active");

    // The stopped node comes back as a standby.
    await dialect.registerServer(active, "acme-a", at(3), "standby");
    expect(await role(active)).toBe("standby");
  });
}
