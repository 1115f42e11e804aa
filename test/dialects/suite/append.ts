/** One command in, the same events out: positions, links, hashes and columns. */
import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import { GENESIS_HASH, eventHash } from "../../../events/index.js";
import { toStoredEvent } from "../../../src/store/rows.js";
import type { SuiteContext } from "../event-store.suite.js";
import { appendContext, expectColumnsMatchBody, nodeStream, started, stopped } from "./fixtures.js";

export function appendTests({ migrated }: SuiteContext): void {
  it("appends one command and reads back exactly what it returned", async () => {
    const { dialect } = await migrated();
    const serverId = randomUUID();
    const stream = nodeStream(serverId);
    const bootId = randomUUID();
    const [outcome] = await dialect.appendBatch(
      [
        {
          streamId: stream,
          expectedVersion: 0,
          events: [started(bootId), stopped(bootId, 1500)],
          meta: { requestId: "req-1", actor: "cli" },
        },
      ],
      appendContext(serverId),
    );
    if (!outcome?.ok) throw new Error(`append failed: ${JSON.stringify(outcome)}`);
    const [first, second] = outcome.events;
    if (!first || !second) throw new Error("expected two events");

    expect([first.gp, second.gp]).toEqual([1, 2]);
    expect([first.sv, second.sv]).toEqual([1, 2]);
    expect(first.prev).toBe(GENESIS_HASH);
    expect(second.prev).toBe(first.hash);
    expect(first.hash).toBe(eventHash(first.body));
    expect(second.meta).toEqual({ node: serverId, requestId: "req-1", actor: "cli" });

    const rows = await dialect.readAll(0, 10);
    expect(rows).toHaveLength(2);
    rows.forEach(expectColumnsMatchBody);
    expect(rows.map(toStoredEvent)).toEqual(outcome.events);
    expect(await dialect.readStream(stream)).toEqual(rows);
    expect(await dialect.head()).toEqual({ position: 2, hash: second.hash });
  });

  it("continues the chain across batches and accepts the stream's current version", async () => {
    const { dialect } = await migrated();
    const serverId = randomUUID();
    const stream = nodeStream(serverId);
    const ctx = appendContext(serverId);
    const bootId = randomUUID();
    await dialect.appendBatch([{ streamId: stream, expectedVersion: 0, events: [started(bootId)] }], ctx);
    const [outcome] = await dialect.appendBatch(
      [{ streamId: stream, expectedVersion: 1, events: [stopped(bootId)] }],
      ctx,
    );
    expect(outcome?.ok).toBe(true);
    const [a, b] = await dialect.readAll(0, 10);
    expect(b?.position).toBe(2);
    expect(b?.streamVersion).toBe(2);
    expect(b && toStoredEvent(b).prev).toBe(a?.hash);
  });

  it("commits nothing for an empty batch", async () => {
    const { dialect } = await migrated();
    expect(await dialect.appendBatch([], appendContext(randomUUID()))).toEqual([]);
    expect((await dialect.head()).position).toBe(0);
  });
}
