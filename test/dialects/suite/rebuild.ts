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

  it("resumes an interrupted rebuild from the checkpoint its last committed batch wrote", async () => {
    const { dialect, query } = await migrated();
    const node = randomUUID();
    const stream = nodeStream(node);
    const ctx = appendContext(node);
    // 25 events: boots 1..13 started, 1..12 stopped (interleaved), 13 still running.
    const boots = Array.from({ length: 13 }, () => randomUUID());
    for (const [i, boot] of boots.entries()) {
      const events = i < 12 ? [started(boot, `host-${i}`), stopped(boot, i)] : [started(boot, `host-${i}`)];
      await dialect.appendBatch([{ streamId: stream, expectedVersion: "any", events }], ctx);
    }
    const inline = await dialect.readProjection("node_boots");
    expect(inline).toHaveLength(13);
    expect(await dialect.readRebuildCheckpoint()).toBeNull();

    // The third batch (events 9..12) fails mid-projection, as a kill inside its transaction would.
    let batches = 0;
    const failing = (events: Parameters<typeof projectInline>[0]): ReturnType<typeof projectInline> => {
      batches += 1;
      if (batches === 3) throw new Error("interrupted");
      return projectInline(events);
    };
    const now = (): Date => new Date(1_700_000_000_000);
    await expect(dialect.rebuildProjections(failing, undefined, { batchSize: 4, now })).rejects.toThrow("interrupted");

    // The two committed batches are there with their checkpoint, nothing of the third.
    expect(await dialect.readRebuildCheckpoint()).toEqual({ position: 8, startedAt: 1_700_000_000_000 });
    const partial = await dialect.readProjection("node_boots");
    expect(partial).toHaveLength(4);
    expect(partial.every((r) => Number(r["startedPosition"]) <= 8)).toBe(true);

    const progress: RebuildProgress[] = [];
    const result = await dialect.rebuildProjections(projectInline, (p) => progress.push(p), { batchSize: 4 });
    expect(progress[0]).toEqual({ position: 12, head: 25 });
    expect(result).toEqual({ position: 25, head: 25 });
    expect(await dialect.readRebuildCheckpoint()).toBeNull();
    expect(await dialect.readProjection("node_boots")).toEqual(inline);
    expect(await query("SELECT * FROM projection_rebuild")).toEqual([]);
  });
}
