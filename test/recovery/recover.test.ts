/**
 * `events recover` against real SQLite databases and real audit files: two nodes write, a
 * backup is taken, both write more, the backup is restored; the files put back exactly what
 * the restore lost — or the recovery is refused, changing nothing, with the reason.
 */
import Database from "better-sqlite3";
import { copyFile, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { nodeStreamId, type StoredEvent } from "../../events/index.js";
import { projectBatch, tableProjections } from "../../projections/index.js";
import { AuditAheadOfDatabase, openAuditFile, verifyAudit, type AuditMirror } from "../../src/audit/index.js";
import { lineHash } from "../../src/audit/line.js";
import { canonicalJson } from "../../events/index.js";
import { recoverFromAudit, type RecoverOptions } from "../../src/recovery/recover.js";
import { RecoveryRefused } from "../../src/recovery/errors.js";
import type { EventStoreDialect } from "../../src/store/dialect.js";
import { openDialect } from "../../src/store/open.js";
import { clock, NODE_A, NODE_B, workdir } from "../audit/helpers.js";
import { startedEvent } from "../audit/memory-store.js";

const project = (events: readonly StoredEvent[]) => projectBatch(tableProjections, events);

let dir: string;
let live: EventStoreDialect;
const files: Record<string, string> = {};
const mirrors: Record<string, AuditMirror> = {};
const opened: EventStoreDialect[] = [];

beforeEach(async () => {
  ({ dir } = await workdir());
  live = await openDialect({ driver: "sqlite", path: join(dir, "live.db") });
  await live.migrate();
  opened.push(live);
  for (const node of [NODE_A, NODE_B]) {
    files[node] = join(dir, `${node.slice(0, 1)}.log`);
    mirrors[node] = (await openAuditFile({ path: files[node] ?? "", serverId: node, store: live, clock })).mirror;
  }
});

afterEach(async () => {
  for (const m of Object.values(mirrors)) await m.close();
  for (const d of opened.splice(0)) await d.close();
});

/** `node` commits `count` events and mirrors them to its file, as its writer would. */
async function write(node: string, count: number): Promise<void> {
  const events = Array.from({ length: count }, () => startedEvent());
  const outcomes = await live.appendBatch([{ streamId: nodeStreamId(node), expectedVersion: "any", events }], {
    serverId: node,
    leaseEpoch: null,
    now: () => new Date(),
    project,
  });
  await mirrors[node]?.appendEvents(outcomes.flatMap((o) => (o.ok ? [...o.events] : [])));
}

/** Backup now (VACUUM INTO, as `backup create` does); returns a function restoring it to a new database. */
function backup(): () => Promise<EventStoreDialect> {
  const path = join(dir, "backup.db");
  const raw = new Database(join(dir, "live.db"));
  raw.prepare("VACUUM INTO ?").run(path);
  raw.close();
  return async () => {
    const restored = join(dir, `restored-${opened.length}.db`);
    await copyFile(path, restored);
    const dialect = await openDialect({ driver: "sqlite", path: restored });
    opened.push(dialect);
    return dialect;
  };
}

const options = (dialect: EventStoreDialect, paths: readonly string[], dryRun = false): RecoverOptions => ({
  dialect,
  files: paths,
  dryRun,
  node: { serverId: NODE_A, hostname: "ca-1", lease: { ttlMs: 30_000, renewIntervalMs: 10_000 } },
  clock: () => new Date(),
  project,
  batchSize: 4,
});

async function wholeLog(dialect: EventStoreDialect) {
  return dialect.readAll(0, 100_000);
}

/** Two nodes, a backup after 5 events, then 9 more interleaved (positions 6–14). */
async function scenario(): Promise<() => Promise<EventStoreDialect>> {
  await write(NODE_A, 3);
  await write(NODE_B, 2);
  const restore = backup();
  await write(NODE_A, 2); // 6–7
  await write(NODE_B, 3); // 8–10
  await write(NODE_A, 4); // 11–14
  return restore;
}

const both = () => [files[NODE_A] ?? "", files[NODE_B] ?? ""];

describe("events recover", () => {
  it("puts back every event the restore lost, from both nodes' files, so the log is the lost one row for row", async () => {
    const restore = await scenario();
    const restored = await restore();
    await expect(openAuditFile({ path: files[NODE_A] ?? "", serverId: NODE_A, store: restored, clock })).rejects.toBeInstanceOf(AuditAheadOfDatabase);

    const dry = await recoverFromAudit(options(restored, both(), true));
    expect(dry.plan.events.map((e) => e.gp)).toEqual([6, 7, 8, 9, 10, 11, 12, 13, 14]);
    expect(dry.plan.files).toEqual([
      { path: files[NODE_A], serverId: NODE_A, events: 6, positions: "6–7, 11–14" },
      { path: files[NODE_B], serverId: NODE_B, events: 3, positions: "8–10" },
    ]);
    expect((await restored.head()).position).toBe(5); // a dry run changes nothing

    const report = await recoverFromAudit(options(restored, both()));
    expect(report.headAfter).toEqual(await live.head());
    expect(report.rebuiltFrom).toBe(14);
    expect(await wholeLog(restored)).toEqual(await wholeLog(live));
    expect(await restored.readProjection("node_boots")).toEqual(await live.readProjection("node_boots"));
    for (const node of [NODE_A, NODE_B]) {
      expect(await verifyAudit({ path: files[node] ?? "", serverId: node, store: restored })).toMatchObject({ ok: true });
    }
    // the lease was taken for the recovery and released after it
    expect((await restored.readLease())?.expiresAt).toBeLessThanOrEqual(Date.now());
    // running it again finds nothing more
    expect((await recoverFromAudit(options(restored, both()))).plan.events).toEqual([]);
  });

  it("refuses when a node's file is missing, naming the positions only that node wrote", async () => {
    const restored = await (await scenario())();
    const attempt = recoverFromAudit(options(restored, [files[NODE_A] ?? ""]));
    await expect(attempt).rejects.toBeInstanceOf(RecoveryRefused);
    await expect(attempt).rejects.toThrow("the audit files carry events up to position 14, but not position(s) 8–10 (the database ends at 5)");
    expect((await restored.head()).position).toBe(5);
  });

  it("takes a file given twice (identical duplicates), and refuses one that belongs to another history", async () => {
    const restore = await scenario();
    const restored = await restore();
    const report = await recoverFromAudit(options(restored, [...both(), files[NODE_A] ?? ""], true));
    expect(report.plan.duplicates).toBe(6);

    // another database whose node A wrote different events at the same positions
    const other = await restore();
    await other.appendBatch([{ streamId: nodeStreamId(NODE_A), expectedVersion: "any", events: [startedEvent()] }], {
      serverId: NODE_A,
      leaseEpoch: null,
      now: () => new Date(),
      project,
    });
    const attempt = recoverFromAudit(options(other, both()));
    await expect(attempt).rejects.toThrow(/line \d+ mirrors an event at position 6, but the database holds a different event there/);
  });

  it("refuses a tampered file, and a file whose lines beyond the head carry no event (older build)", async () => {
    const restored = await (await scenario())();
    const path = files[NODE_B] ?? "";
    const text = await readFile(path, "utf8");
    const lines = text.split("\n").slice(0, -1);
    // rewrite B's line for position 8 as an older build wrote it: no event, re-sealed, chain re-linked
    let prev = "0".repeat(64);
    const rewritten = lines.map((l) => {
      const parsed = JSON.parse(l) as Record<string, unknown>;
      const { hash: _h, ...rest } = parsed;
      if (rest["position"] === 8) delete rest["event"];
      rest["prev"] = prev;
      const line = { ...rest, hash: lineHash(rest as never) };
      prev = line.hash;
      return canonicalJson(line);
    });
    await writeFile(path, `${rewritten.join("\n")}\n`);
    await expect(recoverFromAudit(options(restored, both()))).rejects.toThrow(
      `audit file ${path}: line 3 (position 8) was written before audit lines carried the event, so event 8, which the database lacks, cannot be put back from it`,
    );
    await writeFile(path, text.replace('"position":9', '"position":19'));
    await expect(recoverFromAudit(options(restored, both()))).rejects.toThrow(`audit file ${path} has been altered: line 4: hash does not match`);
    expect((await restored.head()).position).toBe(5);
  });
});
