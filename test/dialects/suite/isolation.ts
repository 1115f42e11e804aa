/** Two stores opened by the factory (two files, schemas or databases) never see each other. */
import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import { GENESIS_HASH } from "../../../events/index.js";
import type { SuiteContext } from "../event-store.suite.js";
import { appendContext, nodeStream, started } from "./fixtures.js";

export function isolationTests({ migrated }: SuiteContext): void {
  it("works only in the database its options name", async () => {
    const a = await migrated();
    const b = await migrated();
    await a.dialect.appendBatch([{ streamId: nodeStream(), expectedVersion: 0, events: [started()] }], appendContext(randomUUID()));
    expect((await a.dialect.head()).position).toBe(1);
    expect(await b.dialect.head()).toEqual({ position: 0, hash: GENESIS_HASH });
  });
}
