/** The node registry: first boot detection, last_seen refreshes, newest first, recorded audit heads. */
import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import type { SuiteContext } from "../event-store.suite.js";

const at = (minute: number): Date => new Date(Date.UTC(2026, 10, 30, 8, minute, 0, 123));

export function serverTests({ migrated }: SuiteContext): void {
  it("registers a node once, refreshes it on later boots and lists the newest first", async () => {
    const { dialect } = await migrated();
    const a = randomUUID();
    const b = randomUUID();

    expect(await dialect.registerServer(a, "acme-a", at(0))).toEqual({ firstBoot: true });
    expect(await dialect.registerServer(a, "acme-a2", at(5))).toEqual({ firstBoot: false });
    expect(await dialect.listServers()).toEqual([
      { serverId: a, hostname: "acme-a2", firstSeen: at(0).getTime(), lastSeen: at(5).getTime(), auditLines: null, auditHeadHash: null },
    ]);

    expect(await dialect.registerServer(b, "acme-b", at(7))).toEqual({ firstBoot: true });
    expect((await dialect.listServers()).map((s) => s.serverId)).toEqual([b, a]);

    await dialect.touchServer(a, at(9));
    const listed = await dialect.listServers();
    expect(listed.map((s) => s.serverId)).toEqual([a, b]);
    expect(listed[0]).toEqual({ serverId: a, hostname: "acme-a2", firstSeen: at(0).getTime(), lastSeen: at(9).getTime(), auditLines: null, auditHeadHash: null });
  });

  it("records a node's audit head with last_seen, keeps it when none is given, and replaces it with a newer one", async () => {
    const { dialect } = await migrated();
    const a = randomUUID();
    const b = randomUUID();
    await dialect.registerServer(a, "acme-a", at(0));
    await dialect.registerServer(b, "acme-b", at(0));
    const row = async (id: string) => (await dialect.listServers()).find((s) => s.serverId === id);

    await dialect.touchServer(a, at(1), { lines: 3, hash: "c".repeat(64) });
    expect(await row(a)).toMatchObject({ lastSeen: at(1).getTime(), auditLines: 3, auditHeadHash: "c".repeat(64) });
    expect(await row(b)).toMatchObject({ auditLines: null, auditHeadHash: null });

    // A touch without a head (audit.enabled: false) and a later boot keep what was recorded.
    await dialect.touchServer(a, at(2));
    await dialect.registerServer(a, "acme-a", at(3));
    expect(await row(a)).toMatchObject({ lastSeen: at(3).getTime(), auditLines: 3, auditHeadHash: "c".repeat(64) });

    // Line counts past 2^31: a node appends for years.
    await dialect.touchServer(a, at(4), { lines: 2 ** 40, hash: "d".repeat(64) });
    expect(await row(a)).toMatchObject({ auditLines: 2 ** 40, auditHeadHash: "d".repeat(64) });
  });
}
