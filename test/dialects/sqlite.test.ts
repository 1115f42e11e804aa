/** The event-store suite on SQLite: a fresh database file in a temp directory per test. */
import Database from "better-sqlite3";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openDialect } from "../../src/store/open.js";
import { describeEventStore, type EventStoreHarness } from "./event-store.suite.js";

async function freshSqlite(): Promise<EventStoreHarness> {
  const dir = await mkdtemp(join(tmpdir(), "certeasy-sqlite-"));
  const path = join(dir, "certeasy.db");
  const dialect = await openDialect({ driver: "sqlite", path });
  const raw = new Database(path);
  return {
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
  let harness: EventStoreHarness | undefined;
  afterEach(async () => harness?.cleanup());

  it("puts the database in WAL mode", async () => {
    harness = await freshSqlite();
    await harness.dialect.migrate();
    expect(await harness.query("PRAGMA journal_mode")).toEqual([{ journal_mode: "wal" }]);
  });
});
