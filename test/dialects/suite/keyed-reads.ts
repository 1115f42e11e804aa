/** Keyed reads of projection tables: what request handlers use to find one row. */
import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import { projectBatch, tableProjections } from "../../../projections/index.js";
import type { SuiteContext } from "../event-store.suite.js";
import { started } from "./fixtures.js";

export function keyedReadTests({ migrated }: SuiteContext): void {
  it("returns only the rows whose columns equal the filter, and refuses an unknown column", async () => {
    const { dialect } = await migrated();
    const serverId = randomUUID();
    const ctx = { serverId, leaseEpoch: null, now: () => new Date(), project: (events: Parameters<typeof projectBatch>[1]) => projectBatch(tableProjections, events) };
    const [first] = await dialect.appendBatch([{ streamId: `node:${serverId}`, expectedVersion: 0, events: [started(), started()] }], ctx);
    const bootIds = first?.ok ? first.events.map((e) => (e.data as { bootId: string }).bootId) : [];
    expect(bootIds).toHaveLength(2);
    const one = await dialect.readProjection("node_boots", { bootId: bootIds[1] ?? "" });
    expect(one.map((r) => r["bootId"])).toEqual([bootIds[1]]);
    expect(await dialect.readProjection("node_boots", { bootId: "no-such-boot" })).toEqual([]);
    expect(await dialect.readProjection("node_boots", { serverId, pid: (one[0]?.["pid"] as number) ?? 0 })).toHaveLength(2);
    await expect(dialect.readProjection("node_boots", { bootID: "x" })).rejects.toThrow(/has no column bootID/);
  });
}
