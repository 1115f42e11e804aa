/** A rebuild from the log gives exactly the rows the inline projections wrote (invariant 1). */
import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import type { RebuildProgress } from "../../../src/store/dialect.js";
import type { SuiteContext } from "../event-store.suite.js";
import { appendContext, nodeStream, projectInline, started, stopped } from "./fixtures.js";

export function rebuildTests({ migrated }: SuiteContext): void {
  it("rebuilds node_boots from the log into the rows the inline projection wrote", async () => {
    const { dialect, query } = await migrated();
    const [nodeA, nodeB] = [randomUUID(), randomUUID()];
    const [streamA, streamB] = [nodeStream(nodeA), nodeStream(nodeB)];
    const [boot1, boot2, boot3] = [randomUUID(), randomUUID(), randomUUID()];
    const ctxA = appendContext(nodeA);
    const ctxB = appendContext(nodeB);
    await dialect.appendBatch([{ streamId: streamA, expectedVersion: "any", events: [started(boot1, "acme-a")] }], ctxA);
    await dialect.appendBatch([{ streamId: streamB, expectedVersion: "any", events: [started(boot2, "acme-b")] }], ctxB);
    await dialect.appendBatch([{ streamId: streamA, expectedVersion: "any", events: [stopped(boot1, 1234)] }], ctxA);
    await dialect.appendBatch(
      [{ streamId: streamA, expectedVersion: "any", events: [started(boot3, "acme-a"), stopped(boot3, 5)] }],
      ctxA,
    );

    const inline = await dialect.readProjection("node_boots");
    expect(inline).toHaveLength(3);
    const byBoot = new Map(inline.map((r) => [r["bootId"], r]));
    expect(byBoot.get(boot1)).toMatchObject({ serverId: nodeA, hostname: "acme-a", startedPosition: 1, stopReason: "shutdown", uptimeMs: 1234 });
    expect(byBoot.get(boot2)).toMatchObject({ serverId: nodeB, startedPosition: 2, stoppedAt: null, stopReason: null, uptimeMs: null });
    expect(byBoot.get(boot3)).toMatchObject({ startedPosition: 4, stopReason: "shutdown", uptimeMs: 5 });

    // Let the table drift from the log, as a bug or a hand edit would.
    await query(`DELETE FROM node_boots WHERE boot_id = '${boot2}'`);
    await query(`UPDATE node_boots SET hostname = 'drifted' WHERE boot_id = '${boot1}'`);
    await query(
      "INSERT INTO node_boots (boot_id, server_id, hostname, pid, version, started_at, started_position) " +
        `VALUES ('${randomUUID()}', '${nodeA}', 'ghost', 1, '0', 0, 99)`,
    );
    expect(await dialect.readProjection("node_boots")).not.toEqual(inline);

    const progress: RebuildProgress[] = [];
    const result = await dialect.rebuildProjections(projectInline, (p) => progress.push(p));

    expect(await dialect.readProjection("node_boots")).toEqual(inline);
    expect(result).toEqual({ position: 5, head: 5 });
    expect(progress.at(-1)).toEqual({ position: 5, head: 5 });
    expect((await dialect.head()).position).toBe(5);
  });
}
