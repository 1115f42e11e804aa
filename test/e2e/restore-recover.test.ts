/**
 * The restore drill, with the real executable and a real ACME client (issue 6): certificates
 * are issued, a backup is taken, more are issued, the node stops and the backup is restored
 * over the database. The node then refuses to start, naming the positions the database lost and
 * `events recover`; `serve --probe` and `audit verify` say the same. `events recover
 * --from-audit` puts the events back from the audit file; the node starts, and every
 * certificate — issued before and after the backup — downloads again over ACME, the audit file
 * verifies and the projections match the log. SQLite uses `backup create`; PostgreSQL
 * (`backup create` is SQLite-only) uses pg_dump and pg_restore, as its operators would.
 */
import { execFile } from "node:child_process";
import { lookup as dnsLookup } from "node:dns";
import { copyFile, readFile, rm } from "node:fs/promises";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import * as acme from "acme-client";
import postgres from "postgres";
import { afterEach, describe, expect, it } from "vitest";
import { startHttp01Responder, type Http01Responder } from "../support/challenge-responders.js";
import { startDnsServer, type TestDnsServer } from "../support/dns-server.js";
import { loopbackValidationProfileLines } from "../support/validation-profile.js";
import { createInstallation, killLeftoverChildren, postgresAvailability, STACK_FRAME, type Driver, type Installation } from "./harness.js";
import { PG_ADMIN_DSN } from "./postgres.js";
import { answerHttp01 } from "./ready-order.js";

const run = promisify(execFile);
const TIMEOUT = 420_000;
const loopback: LookupFunction = (_host, options, callback) => dnsLookup("127.0.0.1", { ...options, family: 4 }, callback);

const pgAvailable = await postgresAvailability();
const pgTools = await run("pg_dump", ["--version"]).then(
  () => true,
  () => false,
);
if (!pgTools) {
  if (process.env["CI"]) throw new Error("pg_dump/pg_restore not found, and CI must run the PostgreSQL restore drill");
  console.warn("pg_dump not found — skipping the PostgreSQL restore drill");
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await killLeftoverChildren();
  for (const step of cleanups.splice(0).reverse()) await step();
});

function validationProfile(dns: TestDnsServer, http01: Http01Responder): string {
  return [...loopbackValidationProfileLines({ dnsServer: dns.address, http01Port: http01.port }), ""].join("\n");
}

interface Issued {
  readonly name: string;
  readonly client: acme.Client;
  readonly order: acme.Order;
  readonly pem: string;
}

async function issue(directoryUrl: string, http01: Http01Responder, name: string): Promise<Issued> {
  const client = new acme.Client({ directoryUrl, accountKey: await acme.crypto.createPrivateEcdsaKey() });
  await client.createAccount({ termsOfServiceAgreed: true });
  const order = await client.createOrder({ identifiers: [{ type: "dns", value: name }] });
  await answerHttp01(client, order, http01);
  const [, csr] = await acme.crypto.createCsr({ altNames: [name] }, await acme.crypto.createPrivateEcdsaKey());
  const finalized = await client.finalizeOrder(order, csr);
  // waitForValidStatus answers the order without its URL; keep it for getOrder after the restore.
  const valid: acme.Order = { ...(await client.waitForValidStatus(finalized)), url: finalized.url };
  return { name, client, order: valid, pem: await client.getCertificate(valid) };
}

/** How the operator backs the database up, and later restores that backup over it (node stopped). */
interface BackupDrill {
  take(): Promise<void>;
  restore(): Promise<void>;
}

function sqliteDrill(node: Installation): BackupDrill {
  const file = join(node.workdir, "backup-before-restore.sqlite");
  return {
    take: async () => {
      const created = await node.cli("backup", "create", "--output", file, "--check", "full");
      expect(created.code, created.stderr).toBe(0);
    },
    restore: async () => {
      if (node.database.driver !== "sqlite") throw new Error("unreachable");
      const { path } = node.database;
      // The node is stopped: its WAL was checkpointed at close; remove any leftovers with it.
      await Promise.all(["-wal", "-shm"].map((suffix) => rm(`${path}${suffix}`, { force: true })));
      await copyFile(file, path);
    },
  };
}

function postgresDrill(node: Installation): BackupDrill {
  if (node.database.driver !== "postgres") throw new Error("unreachable");
  const dsn = node.database.dsn;
  const name = new URL(dsn).pathname.slice(1);
  const file = join(node.workdir, "backup-before-restore.dump");
  return {
    take: async () => void (await run("pg_dump", ["--format=custom", "--file", file, dsn])),
    restore: async () => {
      const admin = postgres(PG_ADMIN_DSN, { max: 1, onnotice: () => undefined });
      try {
        await admin.unsafe(`DROP DATABASE "${name}" WITH (FORCE)`);
        await admin.unsafe(`CREATE DATABASE "${name}"`);
      } finally {
        await admin.end({ timeout: 5 });
      }
      await run("pg_restore", ["--dbname", dsn, "--exit-on-error", file]);
    },
  };
}

const eventCount = async (node: Installation): Promise<number> =>
  Number((await node.db.query<{ n: number | string }>("SELECT COUNT(*) AS n FROM es_events"))[0]?.n);

function restoreDrill(driver: Driver, skip: boolean): void {
  describe.skipIf(skip)(`restore from an older backup, then events recover, on ${driver}`, () => {
    it(
      "refuses to boot naming events recover; recover puts every event back; every certificate downloads again",
      async () => {
        const [dns, http01] = await Promise.all([startDnsServer({ defaultA: "127.0.0.1" }), startHttp01Responder()]);
        cleanups.push(async () => void (await Promise.all([dns.close(), http01.close()])));
        const node = await createInstallation({ driver, configExtra: validationProfile(dns, http01) });
        cleanups.push(() => node.cleanup());
        if (driver === "postgres") {
          const installed = await node.installLicense({ allowed_dbs: ["postgres"] });
          expect(installed.code, installed.stderr).toBe(0);
        }
        const drill = driver === "sqlite" ? sqliteDrill(node) : postgresDrill(node);

        let server = await node.serve();
        acme.axios.defaults.httpsAgent = new https.Agent({ ca: await readFile(node.rootCaPath, "utf8"), lookup: loopback });
        const issued: Issued[] = [];
        try {
          issued.push(await issue(server.directoryUrl, http01, "before-1.recover.test"));
          issued.push(await issue(server.directoryUrl, http01, "before-2.recover.test"));
          await drill.take();
          issued.push(await issue(server.directoryUrl, http01, "after-1.recover.test"));
          issued.push(await issue(server.directoryUrl, http01, "after-2.recover.test"));
          // Not while the node runs: the workdir lock says who holds it.
          const busy = await node.cli("events", "recover", "--from-audit", node.auditPath);
          expect(busy.code).toBe(1);
          expect(busy.stderr).toContain("is in use by another Certeasy process");
          expect(busy.stderr).not.toMatch(STACK_FRAME);
        } finally {
          expect((await server.stop("SIGTERM")).code).toBe(0);
        }
        const lostHead = await eventCount(node);
        await drill.restore();
        const restoredHead = await eventCount(node);
        expect(restoredHead).toBeLessThan(lostHead);
        const lost = `${restoredHead + 1}–`;

        // The node refuses to start, naming what the database lacks and the command to run.
        const refused = await node.cli("serve");
        expect(refused.code).toBe(1);
        expect(refused.stderr).toContain(`that the database does not have: its log ends at position ${restoredHead}`);
        expect(refused.stderr).toContain(`at positions ${lost}`);
        expect(refused.stderr).toContain(`certeasy events recover --from-audit ${node.auditPath}`);
        expect(refused.stderr).not.toMatch(STACK_FRAME);
        expect(await eventCount(node)).toBe(restoredHead); // the refused boot wrote nothing
        const probe = await node.cli("serve", "--probe");
        expect(probe.code).toBe(1);
        expect(probe.stdout).toMatch(/^FAIL {2,}audit {2,}line \d+: audit file .* that the database does not have/m);
        expect(probe.stdout).toContain("certeasy events recover --from-audit");
        const unverified = await node.cli("audit", "verify");
        expect(unverified.code).toBe(1);
        expect(unverified.stderr).toMatch(/ahead-of-database: audit file .* the database does not have/);

        const missing = await node.cli("events", "recover", "--from-audit", `${node.auditPath}.nowhere`);
        expect(missing.code).toBe(1);
        expect(missing.stderr).toContain(`cannot read audit file ${node.auditPath}.nowhere: it does not exist`);
        const usage = await node.cli("events", "recover");
        expect(usage.code).toBe(2);
        expect(usage.stderr).toContain("--from-audit");

        const dry = await node.cli("events", "recover", "--from-audit", node.auditPath, "--dry-run");
        expect(dry.code, dry.stderr).toBe(0);
        expect(dry.stdout).toContain(`would recover ${lostHead - restoredHead} event(s), positions ${restoredHead + 1}–${lostHead}`);
        expect(await eventCount(node)).toBe(restoredHead);

        const recovered = await node.cli("events", "recover", "--from-audit", node.auditPath);
        expect(recovered.code, recovered.stderr).toBe(0);
        expect(recovered.stdout).toContain(`recovered ${lostHead - restoredHead} event(s), positions ${restoredHead + 1}–${lostHead}`);
        expect(recovered.stdout).toContain(`projections rebuilt from ${lostHead} events`);
        expect(await eventCount(node)).toBe(lostHead);
        const again = await node.cli("events", "recover", "--from-audit", node.auditPath);
        expect(again.code, again.stderr).toBe(0);
        expect(again.stdout).toContain(`nothing to recover: the audit files carry no event beyond the database's head (position ${lostHead})`);

        const verified = await node.cli("audit", "verify");
        expect(verified.code, verified.stderr).toBe(0);
        const status = await node.cli("projections", "status");
        expect(status.code, status.stdout + status.stderr).toBe(0);
        expect(status.stdout).not.toMatch(/a rebuild would/);

        server = await node.serve();
        try {
          for (const { name, client, order, pem } of issued) {
            const again = await client.getOrder(order);
            expect(again.status, name).toBe("valid");
            expect(await client.getCertificate(again), name).toBe(pem);
          }
        } finally {
          expect((await server.stop("SIGTERM")).code).toBe(0);
        }
        const final = await node.cli("audit", "verify");
        expect(final.code, final.stderr).toBe(0);
      },
      TIMEOUT,
    );
  });
}

restoreDrill("sqlite", false);
restoreDrill("postgres", !pgAvailable.reachable || !pgTools);
