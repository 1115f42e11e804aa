/**
 * `certeasy projections rebuild` is resumable (issue 6): on a log of a few thousand events, a
 * rebuild SIGKILLed midway leaves its checkpoint in the database, `serve` refuses to start on
 * the half-rebuilt tables, and the next run says from which position it resumes, finishes,
 * verifies the tables against a replay of the log and leaves exactly the rows of a clean
 * rebuild. Beside a serving node it runs as one transaction instead. SQLite and PostgreSQL.
 */
import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { NodeStarted, NodeStopped, nodeStreamId } from "../../events/index.js";
import { projectBatch, projectionTables, tableProjections } from "../../projections/index.js";
import type { EventStoreDialect } from "../../src/store/dialect.js";
import { openDialect } from "../../src/store/open.js";
import { Child } from "../e2e/children.js";
import {
  bootAndStop,
  createInstallation,
  killLeftoverChildren,
  postgresAvailability,
  type Installation,
} from "../e2e/harness.js";

const STEP_MS = 180_000;
/** node.started + node.stopped pairs appended on top of the boot: 2 × 1500 events. */
const BOOTS = 1500;

function openInstallationDialect(node: Installation): Promise<EventStoreDialect> {
  return node.database.driver === "sqlite"
    ? openDialect({ driver: "sqlite", path: node.database.path })
    : openDialect({ driver: "postgres", dsn: node.database.dsn, maxConn: 2, pingTimeoutMs: 5000 });
}

/** A long log: BOOTS boots of other nodes, each started and stopped (node_boots rows). */
async function appendManyBoots(db: EventStoreDialect): Promise<void> {
  const ctx = { serverId: randomUUID(), leaseEpoch: null, now: () => new Date(), project: (events: Parameters<typeof projectBatch>[1]) => projectBatch(tableProjections, events) };
  for (let i = 0; i < BOOTS; i += 100) {
    const commands = Array.from({ length: Math.min(100, BOOTS - i) }, (_, j) => {
      const bootId = randomUUID();
      return {
        streamId: nodeStreamId(randomUUID()),
        expectedVersion: "any" as const,
        events: [
          NodeStarted.create({ bootId, hostname: `host-${i + j}`, pid: 1000 + j, version: "0.1.0", firstBoot: true }),
          NodeStopped.create({ bootId, reason: "shutdown", uptimeMs: i + j }),
        ],
      };
    });
    await db.appendBatch(commands, ctx);
  }
}

async function snapshot(db: EventStoreDialect): Promise<Record<string, readonly Record<string, unknown>[]>> {
  const tables: Record<string, readonly Record<string, unknown>[]> = {};
  for (const table of projectionTables) tables[table] = await db.readProjection(table);
  return tables;
}

const pg = await postgresAvailability();

for (const driver of ["sqlite", "postgres"] as const) {
  describe.skipIf(driver === "postgres" && !pg.reachable)(`projections rebuild on ${driver}`, () => {
    let node: Installation;
    let db: EventStoreDialect;
    let clean: Record<string, readonly Record<string, unknown>[]>;
    let head = 0;

    beforeAll(async () => {
      node = await createInstallation({ driver });
      if (driver === "postgres") expect((await node.installLicense()).code).toBe(0);
      await bootAndStop(node);
      db = await openInstallationDialect(node);
      const bootsBefore = (await db.readProjection("node_boots")).length;
      await appendManyBoots(db);
      head = (await db.head()).position;
      expect(head).toBeGreaterThan(2 * BOOTS);
      const first = await node.cli("projections", "rebuild");
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).not.toMatch(/resuming/);
      expect(first.stdout).toMatch(/^verified: \d+ tables \(\d+ rows\) match a replay of the log up to position \d+$/m);
      clean = await snapshot(db);
      expect(clean["node_boots"]).toHaveLength(bootsBefore + BOOTS);
    }, STEP_MS);

    afterEach(killLeftoverChildren);
    afterAll(async () => {
      await db?.close();
      await node?.cleanup();
    });

    it("killed midway, resumes from its checkpoint and ends with the rows of a clean rebuild", async () => {
      // Damage the tables first: the rebuild must not depend on what was there.
      await node.db.exec("UPDATE node_boots SET hostname = 'damaged'");

      const killed = new Child(["projections", "rebuild", "--batch", "10", "-f", node.configPath]);
      await killed.until("a first progress line", () => /rebuilding projections: position \d+ of \d+/.test(killed.stderr), STEP_MS);
      killed.signal("SIGKILL");
      expect((await killed.exited).signal).toBe("SIGKILL");

      const checkpoint = await db.readRebuildCheckpoint();
      expect(checkpoint, "the rebuild finished before the kill: nothing to resume").not.toBeNull();
      const at = checkpoint?.position ?? 0;
      expect(at).toBeGreaterThan(0);
      expect(at).toBeLessThan(head);
      // The rows written so far are those of the events up to the checkpoint, no more.
      expect((await db.readProjection("node_boots")).length).toBeLessThan(clean["node_boots"]?.length ?? 0);

      // The boot probe says so, and a node refuses to serve from half-rebuilt tables.
      const probe = await node.cli("serve", "--probe");
      expect(probe.code).toBe(1);
      expect(probe.stdout).toMatch(new RegExp(`FAIL\\s+projections\\s+a rebuild begun \\S+ was interrupted at log position ${at}:`));
      const refused = await node.cli("serve");
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toMatch(new RegExp(`interrupted at log position ${at}\\b.*certeasy projections rebuild`));

      const resumed = await node.cli("projections", "rebuild");
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(resumed.stdout).toMatch(new RegExp(`^resuming the rebuild begun \\S+ from log position ${at}$`, "m"));
      expect(resumed.stdout).toMatch(/^verified: /m);
      expect(await db.readRebuildCheckpoint()).toBeNull();
      expect(await snapshot(db)).toEqual(clean);
    }, STEP_MS);

    it.runIf(driver === "sqlite")("beside a serving node, runs as one transaction and leaves no checkpoint", async () => {
      const server = await node.serve();
      try {
        await node.db.exec("UPDATE node_boots SET hostname = 'damaged'");
        const online = await node.cli("projections", "rebuild", "--batch", "10");
        expect(online.code, online.stderr).toBe(0);
        expect(online.stderr).toMatch(/holds the writer lease until .*rebuilding in one transaction/);
        expect(online.stdout).toMatch(/^verified: /m);
        expect(await db.readRebuildCheckpoint()).toBeNull();
      } finally {
        expect((await server.stop("SIGTERM")).code).toBe(0);
      }
      // The serving node appended its boot and stop meanwhile: compare with a fresh clean rebuild.
      const rows = await db.readProjection("node_boots");
      expect(rows.filter((r) => r["hostname"] === "damaged")).toEqual([]);
      expect(rows.length).toBe((clean["node_boots"]?.length ?? 0) + 1);
    }, STEP_MS);
  });
}
