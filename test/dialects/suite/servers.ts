/** The node registry: first boot detection, last_seen refreshes, newest first. */
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
      { serverId: a, hostname: "acme-a2", firstSeen: at(0).getTime(), lastSeen: at(5).getTime() },
    ]);

    expect(await dialect.registerServer(b, "acme-b", at(7))).toEqual({ firstBoot: true });
    expect((await dialect.listServers()).map((s) => s.serverId)).toEqual([b, a]);

    await dialect.touchServer(a, at(9));
    const listed = await dialect.listServers();
    expect(listed.map((s) => s.serverId)).toEqual([a, b]);
    expect(listed[0]).toEqual({ serverId: a, hostname: "acme-a2", firstSeen: at(0).getTime(), lastSeen: at(9).getTime() });
  });
}
