/** The event-store suite on SQLite: a fresh database file in a temp directory per test. */
import Database from "better-sqlite3";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openDialect } from "../../src/store/open.js";
import { openSqlite } from "../../src/store/sqlite/connection.js";
import { describeEventStore, type EventStoreHarness } from "./event-store.suite.js";
import { appendContext, nodeStream, started } from "./suite/fixtures.js";

async function freshSqlite(): Promise<EventStoreHarness & { readonly path: string }> {
  const dir = await mkdtemp(join(tmpdir(), "certeasy-sqlite-"));
  const path = join(dir, "certeasy.db");
  const dialect = await openDialect({ driver: "sqlite", path });
  const raw = new Database(path);
  return {
    path,
    dialect,
    query: async (statement) => {
      const prepared = raw.prepare(statement);
      if (prepared.reader) return prepared.all() as Record<string, unknown>[];
      prepared.run();
      return [];
    },
    cleanup: async () => {
      raw.close();
      await dialect.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

describeEventStore("sqlite", freshSqlite);

describe("sqlite connection settings", () => {
  let harness: (EventStoreHarness & { readonly path: string }) | undefined;
  afterEach(async () => harness?.cleanup());

  it("puts the database in WAL mode", async () => {
    harness = await freshSqlite();
    await harness.dialect.migrate();
    expect(await harness.query("PRAGMA journal_mode")).toEqual([{ journal_mode: "wal" }]);
  });

  it("commits durably (synchronous=FULL), checkpoints inline, and keeps a 16 MiB page cache", async () => {
    const dir = await mkdtemp(join(tmpdir(), "certeasy-sqlite-"));
    const { client } = openSqlite({ path: join(dir, "certeasy.db") });
    try {
      // FULL: the WAL is fsync'd at every commit (DESIGN §2 invariant 6).
      expect(client.pragma("synchronous", { simple: true })).toBe(2);
      // The writer's own auto-checkpoint keeps the WAL reused from its start; a WAL that only
      // grows costs every commit more (docs/benchmarks.md, "The SQLite commit on the main thread").
      expect(client.pragma("wal_autocheckpoint", { simple: true })).toBe(1000);
      // Larger caches make the whole-cache walk after a reordering b-tree split dearer (connection.ts).
      expect(client.pragma("cache_size", { simple: true })).toBe(-16384);
    } finally {
      client.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("keeps the WAL file bounded under a stream of appends", async () => {
    harness = await freshSqlite();
    const { dialect } = harness;
    await dialect.migrate();
    const ctx = appendContext(randomUUID());
    // 15–22 WAL frames of 4 KiB per commit: without checkpoints these 600 leave a WAL of ~55 MB.
    for (let i = 0; i < 600; i++) {
      await dialect.appendBatch(
        Array.from({ length: 4 }, () => ({ streamId: nodeStream(), expectedVersion: "any" as const, events: [started()] })),
        ctx,
      );
    }
    expect((await dialect.head()).position).toBe(2400);
    const wal = await stat(`${harness.path}-wal`);
    // 1,000 pages of auto-checkpoint threshold, plus the commit that crosses it.
    expect(wal.size).toBeLessThan(1100 * (4096 + 24) + 32);
  });
});
