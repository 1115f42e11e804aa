import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { NodeStarted } from "../../events/index.js";
import { logPositionProjection, tableProjections, type MemoryProjection } from "../../projections/index.js";
import { startLiveProjections } from "../../src/projection/live.js";
import type { EventStoreDialect } from "../../src/store/dialect.js";
import { openDialect } from "../../src/store/open.js";
import { uuidv4 } from "../../src/store/uuid.js";
import { EventWriter } from "../../src/store/writer.js";

let dialect: EventStoreDialect;
let writer: EventWriter;
const append = (n: number) =>
  Promise.all(Array.from({ length: n }, (_, i) => writer.append({
    streamId: `node:${i % 5}`, expectedVersion: "any",
    events: [NodeStarted.create({ bootId: uuidv4(), hostname: "h", pid: 1, version: "t", firstBoot: false })],
  })));

beforeEach(async () => {
  const dir = await mkdtemp(join(tmpdir(), "certeasy-live-"));
  dialect = await openDialect({ driver: "sqlite", path: join(dir, "db.sqlite") });
  await dialect.migrate();
  writer = new EventWriter({ dialect, serverId: uuidv4(), leaseEpoch: null, clock: () => new Date(), projections: tableProjections, mirror: { appendEvents: async () => {} } });
});
afterEach(() => dialect.close());

describe("live in-memory projections", () => {
  it("hydrate from the log, then follow committed$ without missing or repeating an event", async () => {
    await append(120);
    const types: MemoryProjection<number> = { name: "count", initial: 0, evolve: (n) => n + 1 };
    const [live] = await Promise.all([
      startLiveProjections([logPositionProjection, types as MemoryProjection<unknown>], { dialect, committed$: writer.committed$, batchSize: 7 }),
      append(80), // committed while hydration reads
    ]);
    await append(10);
    const head = await dialect.head();
    expect(head.position).toBe(210);
    expect(live.caughtUp()).toBe(true);
    expect(live.state(logPositionProjection)).toEqual({ position: 210, hash: head.hash, events: 210 });
    expect(live.state(types)).toBe(210);
    live.stop();
  });

  it("reports a projection that fails and is then not caught up", async () => {
    await append(3);
    const broken: MemoryProjection<number> = { name: "broken", initial: 0, evolve: (n, e) => { if (e.gp === 2) throw new Error("bad state"); return n + 1; } };
    const live = await startLiveProjections([broken as MemoryProjection<unknown>], { dialect, committed$: writer.committed$ });
    expect(live.caughtUp()).toBe(false);
    expect(live.failure()?.message).toBe("bad state");
    live.stop();
  });
});
