/** Group commits racing each other: gap-free, commit-ordered positions and an intact chain. */
import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import type { AppendCommand } from "../../../src/store/dialect.js";
import type { SuiteContext } from "../event-store.suite.js";
import { appendContext, expectIntactChain, nodeStream, readWholeLog, started, stopped } from "./fixtures.js";

const BATCHES = 210;

export function concurrencyTests({ migrated }: SuiteContext): void {
  it(`${BATCHES} concurrent batches get positions 1..N with no gap, no duplicate and an intact chain`, async () => {
    const { dialect } = await migrated();
    const shared = [nodeStream(), nodeStream()] as const;
    const batches: AppendCommand[][] = [];
    for (let i = 0; i < BATCHES; i++) {
      const [sharedBoot, ownBoot] = [randomUUID(), randomUUID()];
      batches.push([
        { streamId: shared[i % 2] ?? "", expectedVersion: "any", events: [started(sharedBoot)] },
        { streamId: nodeStream(), expectedVersion: 0, events: [started(ownBoot), stopped(ownBoot)] },
        { streamId: shared[(i + 1) % 2] ?? "", expectedVersion: "any", events: [stopped(sharedBoot)] },
      ]);
    }
    const expected = batches.flat().reduce((n, c) => n + c.events.length, 0);
    const serverIds = [randomUUID(), randomUUID(), randomUUID()];

    const outcomes = await Promise.all(
      batches.map((batch, i) => dialect.appendBatch(batch, appendContext(serverIds[i % 3] ?? ""))),
    );

    expect(outcomes.flat().every((o) => o.ok)).toBe(true);
    const rows = await readWholeLog(dialect);
    expect(rows).toHaveLength(expected);
    expectIntactChain(rows);
    expect(new Set(rows.map((r) => r.eventId)).size).toBe(expected);
    expect(await dialect.head()).toEqual({ position: expected, hash: rows.at(-1)?.hash });

    // What each caller was told matches what the log holds at those positions.
    const byPosition = new Map(rows.map((r) => [r.position, r]));
    for (const outcome of outcomes.flat()) {
      if (!outcome.ok) continue;
      for (const event of outcome.events) expect(byPosition.get(event.gp)?.hash).toBe(event.hash);
    }
    // Each shared stream got versions 1..k in position order, each event once.
    for (const streamId of shared) {
      const stream = await dialect.readStream(streamId);
      expect(stream).toHaveLength(BATCHES);
      expect(stream.map((r) => r.streamVersion)).toEqual(stream.map((_, i) => i + 1));
      const positions = stream.map((r) => r.position);
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
    }
  }, 120_000);

  it("of concurrent batches creating the same stream, one commits and every other is told the version it committed", async () => {
    const { dialect } = await migrated();
    const streamId = nodeStream();
    // Each batch waits for the head lock of the one before it, then must read the stream
    // version that one committed: a stale read would try to write version 1 again and fail
    // with a unique violation instead of a conflict.
    const outcomes = await Promise.all(
      Array.from({ length: 24 }, () =>
        dialect.appendBatch([{ streamId, expectedVersion: 0, events: [started()] }], appendContext(randomUUID())),
      ),
    );
    const flat = outcomes.flat();
    expect(flat.filter((o) => o.ok)).toHaveLength(1);
    for (const outcome of flat) {
      if (!outcome.ok) expect(outcome.conflict).toEqual({ kind: "stream-version-conflict", streamId, expected: 0, actual: 1 });
    }
    expect(await dialect.readStream(streamId)).toHaveLength(1);
  });
}
