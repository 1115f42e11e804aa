/**
 * Issue 8, crash under a mixed ACME load: a `serve` child (SQLite; PostgreSQL with a test
 * license) takes accounts, orders, http-01 validations, finalizations and revocations from
 * several raw JWS clients and is SIGKILLed at a random moment, again and again. After each
 * restart every acknowledged answer is reflected in the database (accounts and orders exist, a
 * certificate whose URL a valid order gave out is downloadable, a 200 revocation stays revoked),
 * and every validation or issuance the kill interrupted ends valid or invalid within a deadline,
 * never stuck in `processing`. At the end, after a clean stop: `audit verify` and `events verify`
 * pass, and `projections rebuild` yields tables identical to the live ones.
 *
 * Sizes: CRASH_KILLS kills per database (2 under `npm test`, more under `npm run
 * test:reliability`), CRASH_CLIENTS clients (8).
 */
import { readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { tableProjections } from "../../projections/index.js";
import type { ProjectionTableName } from "../../projections/row-change.js";
import { openDialect, type StoreOptions } from "../../src/store/open.js";
import { createInstallation, killLeftoverChildren, postgresAvailability, type Driver, type Installation, type ServeProcess } from "../e2e/harness.js";
import { expectAcknowledgedKept, processing, useValidationWorld, validationWorldYaml } from "./support/acknowledged.js";
import { MixedAcmeLoad } from "./support/mixed-acme-load.js";

const KILLS = Number(process.env["CRASH_KILLS"] ?? 2);
const CLIENTS = Number(process.env["CRASH_CLIENTS"] ?? 8);
/** how long an interrupted validation or issuance may take to settle after a restart */
const SETTLE_DEADLINE_MS = 90_000;

const world = useValidationWorld();
afterEach(killLeftoverChildren);

function storeOf(node: Installation): StoreOptions {
  return node.database.driver === "sqlite"
    ? { driver: "sqlite", path: node.database.path }
    : { driver: "postgres", dsn: node.database.dsn, maxConn: 2, pingTimeoutMs: 5_000 };
}

const PROJECTION_TABLES: readonly ProjectionTableName[] = tableProjections.flatMap((p) => p.tables);

async function dumpTables(node: Installation): Promise<Record<string, unknown>> {
  const dialect = await openDialect(storeOf(node));
  try {
    const dump: Record<string, unknown> = {};
    for (const table of PROJECTION_TABLES) dump[table] = await dialect.readProjection(table);
    return dump;
  } finally {
    await dialect.close();
  }
}

/**
 * What a client may see from a server that is SIGKILLed and restarted: the connection refused
 * or cut, and — after the restart — an order or authorization the interrupted work settled as
 * invalid. A 5xx, a badNonce the client could not retry, or anything else fails the test.
 */
const CRASH_FAILURES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "socket hang up", "authorization invalid", "order invalid"]);

function crashLoop(driver: Driver, skip: boolean): void {
  describe.skipIf(skip)(`SIGKILL under a mixed ACME load (${driver})`, () => {
    it(`keeps every acknowledged answer across ${KILLS} kills, settles interrupted work, and rebuilds identical tables`, async () => {
      const node = await createInstallation({ driver, configExtra: validationWorldYaml(world()) });
      let load: MixedAcmeLoad | undefined;
      let server: ServeProcess | undefined;
      try {
        if (driver === "postgres") expect((await node.installLicense()).code).toBe(0);
        server = await node.serve({ timeoutMs: 90_000 });
        const caPem = await readFile(node.rootCaPath, "utf8");
        const run = Math.random().toString(36).slice(2, 8);
        load = new MixedAcmeLoad({
          endpoint: { directoryUrl: server.directoryUrl, caPem },
          http01: world().responder,
          clients: CLIENTS,
          revokeEvery: 3,
          identifier: (n) => `o${n}-${run}.crash.test`,
        });
        const kills: string[] = [];
        for (let kill = 0; kill < KILLS; kill++) {
          load.start();
          // Some work done in this cycle, then a kill at a random moment of the load.
          const before = load.counters.ordersCompleted;
          await expect.poll(() => load?.counters.ordersCompleted ?? 0, { timeout: 60_000, interval: 50 }).toBeGreaterThan(before + 1);
          await sleep(Math.random() * 2_000);
          await server.stop("SIGKILL");
          await load.stop();
          const interrupted = await processing(node);
          kills.push(
            `kill ${kill + 1}: ${load.ledger.accounts.size} accounts, ${load.ledger.orders.size} orders, ${load.ledger.issued.size} certificates, ` +
              `${load.ledger.revoked.size} revoked acknowledged so far; ${interrupted} validations/issuances left processing by the kill`,
          );
          server = await node.serve({ timeoutMs: 90_000 });
          await expectAcknowledgedKept(node, load.ledger);
          // Interrupted validations and issuances end valid or invalid: nothing stays processing.
          await expect.poll(() => processing(node), { timeout: SETTLE_DEADLINE_MS, interval: 250 }).toBe(0);
        }
        console.log(`crash-acme-load ${driver}:\n  ${kills.join("\n  ")}\n  failures while down: ${JSON.stringify(Object.fromEntries(load.counters.failures))}`);
        for (const failure of load.counters.failures.keys()) expect(CRASH_FAILURES, `a client saw: ${failure}`).toContain(failure);
        expect(load.ledger.issued.size).toBeGreaterThan(KILLS);
        expect(load.ledger.revoked.size).toBeGreaterThan(0);

        const stopped = await server.stop("SIGTERM");
        expect(stopped.code, server.stderr()).toBe(0);
        const audit = await node.cli("audit", "verify");
        expect(audit.code, audit.stderr).toBe(0);
        const events = await node.cli("events", "verify");
        expect(events.code, events.stderr).toBe(0);
        const live = await dumpTables(node);
        const rebuilt = await node.cli("projections", "rebuild");
        expect(rebuilt.code, rebuilt.stderr).toBe(0);
        expect(await dumpTables(node)).toEqual(live);
      } finally {
        await load?.stop();
        load?.close();
        await server?.stop("SIGKILL");
        await node.cleanup();
      }
    }, 600_000);
  });
}

const postgres = await postgresAvailability();
crashLoop("sqlite", false);
crashLoop("postgres", !postgres.reachable);
