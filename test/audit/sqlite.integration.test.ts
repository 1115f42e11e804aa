/**
 * The audit file against a real SQLite event store: what the boot sequence, the writer and
 * `certeasy audit verify` will do, including a crash between commit and mirror and an event
 * body altered directly in the database.
 */
import Database from "better-sqlite3";
import { appendFile, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { nodeStreamId, type StoredEvent } from "../../events/index.js";
import { openAuditFile, verifyAudit } from "../../src/audit/index.js";
import type { EventStoreDialect } from "../../src/store/dialect.js";
import { openDialect } from "../../src/store/open.js";
import { clock, fileLines, NODE_A, NODE_B, workdir, writeLines } from "./helpers.js";
import { startedEvent } from "./memory-store.js";

let dialect: EventStoreDialect;
let dbPath: string;
let auditPath: string;

beforeEach(async () => {
  const { dir, path } = await workdir();
  dbPath = join(dir, "certeasy.db");
  auditPath = path;
  dialect = await openDialect({ driver: "sqlite", path: dbPath });
  await dialect.migrate();
});

afterEach(async () => {
  await dialect.close();
});

/** Commit `count` events by `serverId` in one batch, as the writer does. */
async function commit(serverId: string, count: number): Promise<StoredEvent[]> {
  const events = Array.from({ length: count }, () => startedEvent());
  const outcomes = await dialect.appendBatch([{ streamId: nodeStreamId(serverId), expectedVersion: "any", events }], {
    serverId,
    leaseEpoch: null,
    now: () => new Date(),
    project: () => [],
  });
  return outcomes.flatMap((o) => (o.ok ? [...o.events] : []));
}

const openA = () => openAuditFile({ path: auditPath, serverId: NODE_A, store: dialect, clock });

describe("audit file with a SQLite event store", () => {
  it("mirrors committed batches across restarts and verifies against the database", async () => {
    const first = await openA();
    await first.mirror.appendLifecycle("boot", { pid: 1 });
    await first.mirror.appendEvents(await commit(NODE_A, 3));
    await first.mirror.appendEvents(await commit(NODE_A, 200));
    await first.mirror.appendLifecycle("shutdown", { reason: "signal" });
    await first.mirror.close();
    expect((await stat(auditPath)).mode & 0o777).toBe(0o600);

    await commit(NODE_B, 2); // the standby's turn
    const second = await openA();
    expect(second.report).toMatchObject({ created: false, lines: 205, remirrored: 0, tornTail: null });
    await second.mirror.appendEvents(await commit(NODE_A, 1));
    await second.mirror.close();
    expect(await verifyAudit({ path: auditPath, store: dialect })).toEqual({ ok: true, lines: 206, events: 204, bodiless: 0, serverId: NODE_A });
  });

  it("re-mirrors events committed but not mirrored before a crash, and cuts the torn line", async () => {
    const { mirror } = await openA();
    await mirror.appendEvents(await commit(NODE_A, 2));
    await mirror.close();
    const lost = [...(await commit(NODE_A, 3)), ...(await commit(NODE_A, 1))];
    await appendFile(auditPath, '{"at":"20'); // the crash hit the write of the first lost batch
    expect(await verifyAudit({ path: auditPath, store: dialect })).toMatchObject({ ok: false, line: 3, kind: "torn-tail" });

    const reopened = await openA();
    await reopened.mirror.close();
    expect(reopened.report).toMatchObject({ remirrored: 4, tornTail: { line: 3, bytes: 9 }, lines: 7 });
    const lines = (await fileLines(auditPath)).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.slice(2, 6).map((l) => l["event_hash"])).toEqual(lost.map((e) => e.hash));
    expect(lines[6]).toMatchObject({ kind: "repair", details: { remirrored: 4, fromPosition: 3, toPosition: 6, tornTailBytes: 9 } });
    expect(await verifyAudit({ path: auditPath, store: dialect })).toMatchObject({ ok: true, lines: 7, events: 6 });
  });

  it("refuses to start on a file whose last line another node wrote", async () => {
    const { mirror } = await openA();
    await mirror.appendEvents(await commit(NODE_A, 1));
    await mirror.close();
    const before = await readFile(auditPath);
    await expect(openAuditFile({ path: auditPath, serverId: NODE_B, store: dialect, clock })).rejects.toThrow(
      `audit file ${auditPath} was last written by server ${NODE_A} but this node is ${NODE_B}; each node needs its own workdir`,
    );
    expect(await readFile(auditPath)).toEqual(before);
  });

  it("names the first bad line of a tampered file", async () => {
    const { mirror } = await openA();
    await mirror.appendEvents(await commit(NODE_A, 5));
    await mirror.close();
    const lines = await fileLines(auditPath);
    await writeLines(auditPath, [...lines.slice(0, 3), ...lines.slice(4)]);
    await expect(openA()).rejects.toMatchObject({ name: "AuditTampered", line: 4 });
    expect(await verifyAudit({ path: auditPath, store: dialect })).toEqual({
      ok: false,
      line: 4,
      kind: "bad-seq",
      reason: "line 4: seq is 5, expected 4 (a line is missing, added or out of order)",
    });
  });

  it("reports an event body altered in the database behind the append-only trigger", async () => {
    const { mirror } = await openA();
    await mirror.appendLifecycle("boot", {});
    const events = await commit(NODE_A, 3);
    await mirror.appendEvents(events);
    await mirror.close();

    const raw = new Database(dbPath);
    try {
      expect(() => raw.prepare("UPDATE es_events SET body = body WHERE position = 2").run()).toThrow(/append-only/);
      raw.exec("DROP TRIGGER es_events_refuse_update");
      const forged = (events[1]?.body ?? "").replace('"pid":4242', '"pid":4243');
      raw.prepare("UPDATE es_events SET body = ? WHERE position = 2").run(forged);
    } finally {
      raw.close();
    }
    expect(await verifyAudit({ path: auditPath, store: dialect })).toEqual({
      ok: false,
      line: 3,
      kind: "db-mismatch",
      reason: "line 3: the database body at position 2 no longer hashes to its stored hash (the row was altered)",
    });
  });
});
