/** Optimistic concurrency per stream (DESIGN §2 invariant 4): a conflict appends nothing. */
import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import type { SuiteContext } from "../event-store.suite.js";
import { appendContext, nodeStream, readWholeLog, started } from "./fixtures.js";

export function conflictTests({ migrated }: SuiteContext): void {
  it("rejects a command that expects a new stream when the stream exists, and commits the others", async () => {
    const { dialect } = await migrated();
    const serverId = randomUUID();
    const ctx = appendContext(serverId);
    const existing = nodeStream();
    const other = nodeStream();
    await dialect.appendBatch([{ streamId: existing, expectedVersion: 0, events: [started()] }], ctx);

    const outcomes = await dialect.appendBatch(
      [
        { streamId: existing, expectedVersion: 0, events: [started()] },
        { streamId: other, expectedVersion: 0, events: [started(), started()] },
      ],
      ctx,
    );

    expect(outcomes[0]).toEqual({
      ok: false,
      conflict: { kind: "stream-version-conflict", streamId: existing, expected: 0, actual: 1 },
    });
    expect(outcomes[1]?.ok).toBe(true);
    expect(await dialect.readStream(existing)).toHaveLength(1);
    const rows = await readWholeLog(dialect);
    expect(rows.map((r) => [r.position, r.streamId, r.streamVersion])).toEqual([
      [1, existing, 1],
      [2, other, 1],
      [3, other, 2],
    ]);
    expect((await dialect.head()).position).toBe(3);
  });

  it("lets only the first of two commands creating the same stream in one batch through", async () => {
    const { dialect } = await migrated();
    const stream = nodeStream();
    const outcomes = await dialect.appendBatch(
      [
        { streamId: stream, expectedVersion: 0, events: [started()] },
        { streamId: stream, expectedVersion: 0, events: [started()] },
      ],
      appendContext(randomUUID()),
    );
    expect(outcomes[0]?.ok).toBe(true);
    expect(outcomes[1]).toEqual({
      ok: false,
      conflict: { kind: "stream-version-conflict", streamId: stream, expected: 0, actual: 1 },
    });
    expect(await dialect.readStream(stream)).toHaveLength(1);
  });

  it("rejects a stale expected version with the stream's actual version", async () => {
    const { dialect } = await migrated();
    const stream = nodeStream();
    const ctx = appendContext(randomUUID());
    await dialect.appendBatch([{ streamId: stream, expectedVersion: 0, events: [started(), started()] }], ctx);
    const [outcome] = await dialect.appendBatch([{ streamId: stream, expectedVersion: 1, events: [started()] }], ctx);
    expect(outcome).toEqual({
      ok: false,
      conflict: { kind: "stream-version-conflict", streamId: stream, expected: 1, actual: 2 },
    });
    expect((await dialect.head()).position).toBe(2);
  });
}
