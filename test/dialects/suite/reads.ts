/** Paging through the log, by stream and by writing node. */
import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import type { EventRow } from "../../../src/store/dialect.js";
import type { SuiteContext } from "../event-store.suite.js";
import { appendContext, nodeStream, started } from "./fixtures.js";

const positions = (rows: readonly EventRow[]): number[] => rows.map((r) => r.position);
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

export function readTests({ migrated }: SuiteContext): void {
  it("pages through the whole log, by stream and by writing node", async () => {
    const { dialect } = await migrated();
    const nodes = [randomUUID(), randomUUID(), randomUUID()];
    const streams = [nodeStream(), nodeStream()];
    // 25 single-event batches: node i % 3 writes, to stream i % 2.
    for (let i = 0; i < 25; i++) {
      await dialect.appendBatch(
        [{ streamId: streams[i % 2] ?? "", expectedVersion: "any", events: [started()] }],
        appendContext(nodes[i % 3] ?? ""),
      );
    }

    expect(positions(await dialect.readAll(0, 10))).toEqual(range(1, 10));
    expect(positions(await dialect.readAll(10, 10))).toEqual(range(11, 20));
    expect(positions(await dialect.readAll(20, 10))).toEqual(range(21, 25));
    expect(await dialect.readAll(25, 10)).toEqual([]);

    const byFirstStream = await dialect.readStream(streams[0] ?? "");
    expect(positions(byFirstStream)).toEqual(range(1, 25).filter((p) => (p - 1) % 2 === 0));
    expect(byFirstStream.map((r) => r.streamVersion)).toEqual(range(1, 13));
    expect(await dialect.readStream(nodeStream())).toEqual([]);

    const node = nodes[1] ?? "";
    const written = range(1, 25).filter((p) => (p - 1) % 3 === 1);
    const page1 = await dialect.readByServer(node, 0, 3);
    const page2 = await dialect.readByServer(node, page1.at(-1)?.position ?? 0, 3);
    const rest = await dialect.readByServer(node, page2.at(-1)?.position ?? 0, 100);
    expect([...page1, ...page2, ...rest].map((r) => r.position)).toEqual(written);
    expect([...page1, ...page2, ...rest].every((r) => r.serverId === node)).toBe(true);
    expect(page1).toHaveLength(3);
    expect(await dialect.readByServer(node, 25, 10)).toEqual([]);
  });
}
