/**
 * PostgreSQL restarted under load (issue 6): a `serve` child on a private throwaway cluster
 * (test/support/private-postgres.ts — never the shared one on 5432) takes newAccount requests
 * from four clients while the cluster is restarted (`pg_ctl restart -m fast`), then stopped for
 * a few seconds and started again. Every answer is 201 or 503 serverInternal with Retry-After —
 * never a 500, never a hang —, service comes back by itself, every acknowledged account is in
 * the database afterwards, and the audit file and the event chain verify.
 */
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RawAcmeConnection, problemOf, retryAfter } from "../e2e/raw-acme.js";
import { freePort, killLeftoverChildren, runCli, startServe, tempDir, type ServeProcess } from "../e2e/harness.js";
import { licenseConfigYaml, licenseFile } from "../support/license.js";
import { postgresBinaries, startPrivatePostgres, type PrivatePostgres } from "../support/private-postgres.js";

/** A request that takes longer than this is a hang. */
const HANG_MS = 30_000;
const OUTAGE_MS = 4_000;

const bin = postgresBinaries();
if (!bin) {
  if (process.env["CI"]) throw new Error("the PostgreSQL server binaries (/usr/lib/postgresql/*/bin/initdb, pg_ctl) are absent, and CI must run the restart test");
  console.warn("PostgreSQL server binaries not found under /usr/lib/postgresql — skipping the PostgreSQL restart test");
}

interface Outcome {
  readonly at: number;
  readonly status: number;
  readonly retryAfter: number;
  readonly type: string | undefined;
  readonly ms: number;
}

let cluster: PrivatePostgres | undefined;
let dir: string;
let configPath: string;
let server: ServeProcess | undefined;

beforeAll(async () => {
  if (!bin) return;
  cluster = await startPrivatePostgres(bin);
  const admin = postgres(cluster.dsn(), { max: 1, onnotice: () => undefined });
  await admin.unsafe("CREATE DATABASE certeasy");
  await admin.end({ timeout: 5 });
  dir = await tempDir("certeasy-pg-restart-");
  const port = await freePort();
  configPath = join(dir, "config.yml");
  await writeFile(
    configPath,
    [
      `workdir: ${JSON.stringify(dir)}`,
      "server:",
      "  url:",
      `    - https://localhost:${port}/`,
      `  listen: 127.0.0.1:${port}`,
      "database:",
      "  driver: postgres",
      `  dsn: ${JSON.stringify(cluster.dsn("certeasy"))}`,
      "  ping-timeout-sec: 2",
      "rate-limiting:",
      "  whitelist:",
      "    - 127.0.0.1",
      ...licenseConfigYaml(),
      "",
    ].join("\n"),
  );
  // PostgreSQL is beyond the free plan: install a test license first.
  const license = join(dir, "license.lic");
  await writeFile(license, await licenseFile());
  const installed = await runCli(["license", "install", license, "-f", configPath]);
  expect(installed.code, installed.stderr).toBe(0);
}, 120_000);

afterAll(async () => {
  if (server) await server.stop("SIGKILL").catch(() => undefined);
  await killLeftoverChildren();
  await cluster?.destroy();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!bin)("PostgreSQL restarted under load", () => {
  it("answers 201 or 503 + Retry-After throughout, recovers by itself, and loses nothing acknowledged", async () => {
    const pg = cluster as PrivatePostgres;
    server = await startServe(configPath, join(dir, "local-ca", "root-ca.pem"));
    const ca = await readFile(join(dir, "local-ca", "root-ca.pem"), "utf8");
    const outcomes: Outcome[] = [];
    const failures: string[] = [];
    const created: string[] = [];
    const t0 = performance.now();
    let running = true;

    const client = async (): Promise<void> => {
      let conn = new RawAcmeConnection(server?.directoryUrl ?? "", ca);
      while (running) {
        const started = performance.now();
        try {
          const attempt = conn.newAccount();
          const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${HANG_MS} ms`)), HANG_MS).unref());
          const { answer, kid } = await Promise.race([attempt, timeout]);
          const type = answer.status >= 400 ? problemOf(answer).type : undefined;
          outcomes.push({ at: started - t0, status: answer.status, retryAfter: retryAfter(answer), type, ms: performance.now() - started });
          if (answer.status === 201 && kid) created.push(kid);
          if (answer.status === 503) await new Promise((r) => setTimeout(r, 250));
        } catch (error) {
          failures.push(`${Math.round(started - t0)} ms: ${(error as Error).message}`);
          conn.close();
          conn = new RawAcmeConnection(server?.directoryUrl ?? "", ca);
        }
      }
      conn.close();
    };
    const load = Promise.all(Array.from({ length: 4 }, () => client()));
    const createdAfter = async (count: number): Promise<void> => {
      const before = created.length;
      await expect.poll(() => created.length - before, { timeout: 60_000, interval: 100 }).toBeGreaterThanOrEqual(count);
    };

    try {
      await createdAfter(20);
      const restartAt = performance.now() - t0;
      await pg.restart();
      await createdAfter(20);

      const stopAt = performance.now() - t0;
      await pg.stop();
      await new Promise((r) => setTimeout(r, OUTAGE_MS));
      await pg.start();
      const startAt = performance.now() - t0;
      await createdAfter(20);
      running = false;
      await load;

      const during = outcomes.filter((o) => o.at >= stopAt && o.at < startAt);
      console.info(
        `restart at ${Math.round(restartAt)} ms, stop ${Math.round(stopAt)}–${Math.round(startAt)} ms: ` +
          `${outcomes.length} answers (${outcomes.filter((o) => o.status === 201).length} × 201, ` +
          `${outcomes.filter((o) => o.status === 503).length} × 503), slowest ${Math.round(Math.max(...outcomes.map((o) => o.ms)))} ms, ` +
          `first 201 after start: ${Math.round((outcomes.find((o) => o.at >= startAt && o.status === 201)?.at ?? NaN) - startAt)} ms`,
      );
      const slow = outcomes.filter((o) => o.ms > 5000).map((o) => `${o.status} at ${Math.round(o.at)} ms took ${Math.round(o.ms)} ms`);
      if (slow.length > 0) console.info(`slow answers: ${slow.join("; ")}`);
      expect(failures).toEqual([]);
      expect(outcomes.filter((o) => o.status !== 201 && o.status !== 503)).toEqual([]);
      for (const refused of outcomes.filter((o) => o.status === 503)) {
        expect(refused.type).toBe("urn:ietf:params:acme:error:serverInternal");
        expect(refused.retryAfter).toBeGreaterThan(0);
      }
      // The outage was seen: while the cluster was down, requests were refused, not served.
      expect(during.filter((o) => o.status === 503).length).toBeGreaterThan(0);
    } finally {
      running = false;
      await load;
      if (process.env["PG_RESTART_LOG"]) await writeFile(process.env["PG_RESTART_LOG"], server.stderr());
    }

    const stopped = await server.stop("SIGTERM");
    server = undefined;
    expect(stopped.code).toBe(0);

    // Nothing acknowledged is lost.
    const sql = postgres(pg.dsn("certeasy"), { max: 1, onnotice: () => undefined });
    try {
      const rows = await sql<{ account_id: string }[]>`SELECT account_id FROM acme_accounts`;
      const stored = new Set(rows.map((r) => r.account_id));
      const missing = created.filter((url) => !stored.has(url.slice(url.lastIndexOf("/") + 1)));
      expect(missing).toEqual([]);
    } finally {
      await sql.end({ timeout: 5 });
    }
    const audit = await runCli(["audit", "verify", "-f", configPath]);
    expect(audit.code, audit.stdout + audit.stderr).toBe(0);
    const events = await runCli(["events", "verify", "-f", configPath]);
    expect(events.code, events.stdout + events.stderr).toBe(0);
  }, 300_000);
});
