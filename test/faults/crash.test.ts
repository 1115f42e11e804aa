/**
 * DESIGN invariants 6 and 7 under SIGKILL: a node killed at a random moment of a concurrent
 * write load loses no acknowledged event, and after restart its audit file verifies and holds
 * every event it wrote (the ones committed but not yet mirrored are re-mirrored at boot).
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectBatch, tableProjections } from "../../projections/index.js";
import { verifyAudit } from "../../src/audit/index.js";
import { openNode } from "../../src/node/open-node.js";
import type { EventRow } from "../../src/store/dialect.js";
import { openDialect, type StoreOptions } from "../../src/store/open.js";
import { ChainVerifier } from "../../src/store/verify-chain.js";
import { postgresForTests } from "../support/postgres.js";

const fixture = fileURLToPath(new URL("./fixtures/append-load.ts", import.meta.url));
const KILLS = 3;

/** Runs the load child until `acks` appends were acknowledged (plus a random delay), then SIGKILLs it. */
async function killDuringLoad(workdir: string, store: StoreOptions, acks: number): Promise<Map<number, string>> {
  const child = spawn(process.execPath, ["--import", "tsx", fixture, JSON.stringify({ workdir, store, writers: 32 })], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const acked = new Map<number, string>();
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  for await (const line of createInterface({ input: child.stdout })) {
    const [word, gp, eid] = line.split(" ");
    if (word === "ack" && gp && eid) acked.set(Number(gp), eid);
    if (acked.size === acks) setTimeout(() => child.kill("SIGKILL"), Math.random() * 50);
  }
  await exited;
  if (acked.size < acks) throw new Error(`load child ended before ${acks} acks: ${stderr}`);
  return acked;
}

async function readAllRows(store: StoreOptions): Promise<EventRow[]> {
  const dialect = await openDialect(store);
  try {
    const rows: EventRow[] = [];
    for (;;) {
      const batch = await dialect.readAll(rows.length, 5000);
      if (batch.length === 0) return rows;
      rows.push(...batch);
    }
  } finally {
    await dialect.close();
  }
}

function describeCrash(name: string, storeFor: (workdir: string) => StoreOptions | undefined): void {
  describe(`crash during write load (${name})`, () => {
    it(`loses no acknowledged event across ${KILLS} SIGKILLs and re-mirrors the audit file`, async () => {
      const workdir = await mkdtemp(join(tmpdir(), `certeasy-crash-${name}-`));
      const store = storeFor(workdir);
      if (!store) return;
      const acknowledged = new Map<number, string>();
      const repairs: string[] = [];
      const log = pino({ level: "warn" }, { write: (line: string) => void repairs.push(JSON.parse(line).msg) });
      for (let kill = 0; kill < KILLS; kill++) {
        for (const [gp, eid] of await killDuringLoad(workdir, store, 100 + Math.floor(Math.random() * 300))) acknowledged.set(gp, eid);
        // Each restart repairs a torn audit tail and re-mirrors events committed but not mirrored.
        const node = await openNode({ workdir, store, noddl: false, auditPath: join(workdir, "audit.log"), log });
        await node.stop("shutdown");
      }
      if (process.env["CERTEASY_DEBUG"]) console.log(`${name}: ${acknowledged.size} acked; repairs: ${repairs.join(" | ") || "none"}`);
      const node = await openNode({ workdir, store, noddl: false, auditPath: join(workdir, "audit.log"), log });
      const serverId = node.serverId;
      await node.stop("shutdown");

      const rows = await readAllRows(store);
      const byPosition = new Map(rows.map((r) => [r.position, r.eventId]));
      for (const [gp, eid] of acknowledged) expect(byPosition.get(gp), `acknowledged event ${gp}`).toBe(eid);
      const chain = new ChainVerifier();
      for (const row of rows) expect(chain.check(row.position, row.body, row.hash, row)).toBeNull();

      const dialect = await openDialect(store);
      try {
        const audit = await verifyAudit({ path: join(workdir, "audit.log"), serverId, store: dialect });
        expect(audit).toMatchObject({ ok: true, events: rows.length });
        // The rows the crashed and restarted node wrote inline are exactly what a rebuild makes.
        const liveRows = await dialect.readProjection("node_boots");
        await dialect.rebuildProjections((events) => projectBatch(tableProjections, events));
        expect(await dialect.readProjection("node_boots")).toEqual(liveRows);
        expect(liveRows.length).toBeGreaterThan(KILLS);
      } finally {
        await dialect.close();
      }
      await rm(workdir, { recursive: true, force: true });
    }, 180_000);
  });
}

describeCrash("sqlite", (workdir) => ({ driver: "sqlite", path: join(workdir, "db.sqlite") }));

const pg = postgresForTests("crash");
beforeAll(pg.setup);
afterAll(pg.teardown);
describeCrash("postgres", () => pg.storeOptions());
