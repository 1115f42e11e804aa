/**
 * Warm standby with automatic takeover (DESIGN §2 invariant 8), with the real executable on
 * SQLite and (when it answers) PostgreSQL: an active node and a `serve --standby` node — own
 * workdir, port and server_id — on one database. The standby answers ACME 503 and is not ready
 * while the active lives; it follows the log; it takes over once the active's lease expires
 * (after SIGKILL, or while the active is paused with SIGSTOP), and serves. A paused active
 * resumed with SIGCONT cannot write, and steps down (exit 1). No epoch is ever written by two
 * nodes, and the two audit files together cover the log exactly once.
 */
import { lookup as dnsLookup } from "node:dns";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { hostname } from "node:os";
import { readFile, writeFile } from "node:fs/promises";
import * as acme from "acme-client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseExposition, valueOf } from "../observability/exposition.js";
import {
  createInstallation,
  createNodePair,
  httpsGet,
  killLeftoverChildren,
  postgresAvailability,
  type Driver,
  type Installation,
  type ServeProcess,
} from "./harness.js";

const postgres = await postgresAvailability();

afterEach(killLeftoverChildren);

const loopback: LookupFunction = (_host, options, callback) => dnsLookup("127.0.0.1", { ...options, family: 4 }, callback);

async function newAccount(directoryUrl: string): Promise<acme.Client> {
  const client = new acme.Client({ directoryUrl, accountKey: await acme.crypto.createPrivateEcdsaKey() });
  await client.createAccount({ termsOfServiceAgreed: true });
  return client;
}

interface EventRecord {
  readonly position: number;
  readonly type: string;
  readonly node: string;
  readonly epoch: number | undefined;
  readonly data: Record<string, unknown>;
}

async function events(node: Installation): Promise<EventRecord[]> {
  const rows = await node.db.query<{ position: number | string; event_type: string; server_id: string; body: string }>(
    "SELECT position, event_type, server_id, body FROM es_events ORDER BY position",
  );
  return rows.map((row) => {
    const body = JSON.parse(row.body) as { meta?: { epoch?: number }; data: Record<string, unknown> };
    return { position: Number(row.position), type: row.event_type, node: row.server_id, epoch: body.meta?.epoch, data: body.data };
  });
}

/** `audit list-servers` as server_id → [role, lease]. */
async function rolesListed(node: Installation): Promise<Map<string, string[]>> {
  const listed = await node.cli("audit", "list-servers");
  expect(listed.code, listed.stderr).toBe(0);
  return new Map(listed.stdout.trimEnd().split("\n").slice(1).map((row) => [row.split(/\s+/)[0] ?? "", row.split(/\s{2,}/).slice(4)]));
}

/** Every epoch was written by one node only (DESIGN §2 invariant 8). */
function epochsByNode(log: readonly EventRecord[]): Map<number, Set<string>> {
  const writers = new Map<number, Set<string>>();
  for (const event of log) {
    if (event.epoch === undefined) continue;
    writers.set(event.epoch, (writers.get(event.epoch) ?? new Set()).add(event.node));
  }
  return writers;
}

/**
 * Both audit files verify against the database, and their event lines together name every
 * position of the log exactly once.
 */
async function expectAuditFilesCoverTheLog(nodes: readonly Installation[], head: number): Promise<void> {
  const positions: number[] = [];
  for (const node of nodes) {
    const verified = await node.cli("audit", "verify");
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    for (const line of await node.auditLines()) {
      const parsed = JSON.parse(line) as { kind: string; position?: number };
      if (parsed.kind === "event" && parsed.position !== undefined) positions.push(parsed.position);
    }
  }
  positions.sort((a, b) => a - b);
  expect(positions).toEqual(Array.from({ length: head }, (_, i) => i + 1));
}

function standbyTests(driver: Driver, skip: boolean): void {
  describe.skipIf(skip)(`warm standby on ${driver}`, () => {
    let first: Installation;
    let second: Installation;
    let cas: string[];

    beforeAll(async () => {
      [first, second] = await createNodePair(driver);
    });
    afterAll(async () => {
      await killLeftoverChildren();
      await second?.cleanup();
      await first?.cleanup();
    });

    /** Trust both nodes' CAs (each serves HTTPS under its own bootstrap CA). */
    async function trustBoth(): Promise<void> {
      cas = await Promise.all([readFile(first.rootCaPath, "utf8"), readFile(second.rootCaPath, "utf8")]);
      acme.axios.defaults.httpsAgent = new https.Agent({ ca: cas, lookup: loopback });
    }

    async function takeoverOf(standby: ServeProcess): Promise<void> {
      await standby.waitForStdout(/^ACME directory: /m, 90_000);
      const readyz = new URL("/readyz", standby.directoryUrl).href;
      await expect.poll(async () => (await httpsGet(readyz, cas.join("\n"))).status, { timeout: 30_000, interval: 100 }).toBe(200);
    }

    it("stands by (503, not ready, following the log) while the active lives, and takes over after SIGKILL", async () => {
      const a = await first.serve();
      const aId = await first.serverId();
      const b = await second.serve({ standby: true });
      const bId = await second.serverId();
      await trustBoth();
      const pem = cas.join("\n");

      // Every ACME route answers 503 serverInternal with Retry-After; the probes say why.
      for (const path of ["/acme/directory", "/acme/newNonce", "/acme/new-acct", "/nope"]) {
        const answer = await httpsGet(new URL(path, b.directoryUrl).href, pem);
        expect(answer.status, path).toBe(503);
        expect(answer.headers["retry-after"]).toBe("5");
        expect(JSON.parse(answer.body)).toMatchObject({ type: "urn:ietf:params:acme:error:serverInternal", detail: expect.stringContaining("standby") });
      }
      expect((await httpsGet(new URL("/healthz", b.directoryUrl).href, pem)).status).toBe(200);
      const readyz = await httpsGet(new URL("/readyz", b.directoryUrl).href, pem);
      expect(readyz.status).toBe(503);
      expect(JSON.parse(readyz.body)).toMatchObject({
        status: "not-ready",
        checks: [{ name: "standby", state: "not-ready", detail: expect.stringContaining(`the writer lease is held by server_id ${aId} on host ${hostname()}`) }],
      });
      // Registered as a standby, but it writes nothing: no event, no audit file.
      expect((await first.db.query<{ server_id: string }>("SELECT server_id FROM servers")).map((r) => r.server_id).sort()).toEqual([aId, bId].sort());
      const standingBy = await rolesListed(second);
      expect(standingBy.get(aId)).toEqual(["active", expect.stringMatching(/^epoch \d+, expires 20\d\d-/)]);
      expect(standingBy.get(bId)).toEqual(["standby", "-"]);
      expect((await events(first)).filter((e) => e.node === bId)).toEqual([]);
      await expect(readFile(second.auditPath)).rejects.toMatchObject({ code: "ENOENT" });

      // It follows the log: what the active writes reaches its projections.
      const client = await newAccount(a.directoryUrl);
      await client.createOrder({ identifiers: [{ type: "dns", value: "before-takeover.standby.test" }] });
      const head = (await events(first)).length;
      await expect
        .poll(async () => JSON.parse((await httpsGet(new URL("/readyz", b.directoryUrl).href, pem)).body).checks[0].detail, { timeout: 20_000 })
        .toContain(`following the log at position ${head};`);

      const killed = performance.now();
      await a.stop("SIGKILL");
      await takeoverOf(b);
      const tookMs = performance.now() - killed;
      await newAccount(b.directoryUrl);

      // certeasy_orders after the takeover: the order the dead active created, from the tally the
      // standby folded while following the log, as the table has it.
      const scraped = parseExposition((await httpsGet(new URL("/metrics", b.directoryUrl).href, pem)).body);
      const stored = await first.db.query<{ status: string }>("SELECT status FROM acme_orders");
      expect(stored.map((r) => r.status)).toEqual(["pending"]);
      expect(valueOf(scraped, "certeasy_orders", { status: "pending" })).toBe(1);
      expect(valueOf(scraped, "certeasy_orders", { status: "invalid" })).toBe(0);

      const log = await events(first);
      const acquired = log.filter((e) => e.type === "node.lease-acquired");
      expect(acquired).toHaveLength(1);
      const aEpoch = log.findLast((e) => e.node === aId && e.type === "node.started")?.epoch ?? 0;
      expect(acquired[0]).toMatchObject({ node: bId, epoch: aEpoch + 1, data: { via: "standby", epoch: aEpoch + 1, previousHolder: aId, previousHostname: hostname(), previousEpoch: aEpoch } });
      expect(log.at(-1)?.node).toBe(bId);
      for (const [epoch, writers] of epochsByNode(log)) expect(writers.size, `epoch ${epoch}`).toBe(1);
      const takeoverLine = (await second.auditLines()).map((l) => JSON.parse(l) as { kind: string; details?: Record<string, unknown> }).find((l) => l.kind === "takeover");
      expect(takeoverLine?.details).toMatchObject({ via: "standby", previousHolder: aId, epoch: aEpoch + 1 });
      // The killed active's row still says active; without the lease it is inactive.
      const tookOver = await rolesListed(second);
      expect(tookOver.get(bId)).toEqual(["active", expect.stringMatching(new RegExp(`^epoch ${aEpoch + 1}, expires 20\\d\\d-`))]);
      expect(tookOver.get(aId)).toEqual(["inactive", "-"]);

      expect((await b.stop("SIGTERM")).code).toBe(0);
      await expectAuditFilesCoverTheLog([first, second], (await events(first)).length);
      console.log(`[standby ${driver}] SIGKILL to ready: ${Math.round(tookMs)} ms`);
    }, 300_000);

    it("refuses --standby with --force-takeover, and a standby on an SQLite share, before touching anything", async () => {
      const both = await second.cli("serve", "--standby", "--force-takeover");
      expect(both.code).toBe(2);
      expect(both.stderr).toContain("--standby waits for the lease to expire; --force-takeover takes it at once");
      if (driver === "sqlite") {
        const share = await createInstallation({ configExtra: "lease:\n  standby: true\n" });
        try {
          const config = (await readFile(share.configPath, "utf8")).replace(/^ {2}path: .*$/m, '  path: "//filer/certeasy/db.sqlite"');
          await writeFile(share.configPath, config);
          const refused = await share.cli("serve");
          expect(refused.code).toBe(1);
          expect(refused.stderr).toContain("lease.standby: expected false with database.driver sqlite on a network share (database.path //filer/certeasy/db.sqlite)");
        } finally {
          await share.cleanup();
        }
      }
    }, 120_000);

    it("a paused active (SIGSTOP) loses its lease to the standby; resumed (SIGCONT) it cannot write and exits 1", async () => {
      const a = await first.serve();
      const aId = await first.serverId();
      const b = await second.serve({ standby: true });
      await trustBoth();
      await newAccount(a.directoryUrl);
      const before = await events(first);

      a.signal("SIGSTOP");
      try {
        await takeoverOf(b);
        await newAccount(b.directoryUrl);
      } finally {
        a.signal("SIGCONT");
      }
      const exit = await Promise.race([a.exited, new Promise<null>((resolve) => setTimeout(() => resolve(null), 60_000))]);
      expect(exit?.code, a.stderr()).toBe(1);
      expect(a.stderr()).toMatch(/no longer holds the writer lease at epoch \d+: it is held by server_id/);
      const log = await events(first);
      const acquired = log.find((e) => e.type === "node.lease-acquired" && e.position > before.length);
      expect(acquired).toBeDefined();
      // Nothing of the paused node after the takeover, and no epoch written by two nodes.
      expect(log.filter((e) => e.node === aId && e.position > (acquired?.position ?? 0))).toEqual([]);
      for (const [epoch, writers] of epochsByNode(log)) expect(writers.size, `epoch ${epoch}`).toBe(1);
      const lines = (await first.auditLines()).map((l) => JSON.parse(l) as { kind: string });
      expect(lines.some((l) => l.kind === "lease-lost")).toBe(true);
      expect(lines.at(-1)?.kind).toBe("shutdown");

      // It can come back as the standby of the new active, and takes over at its clean stop at once.
      const again = await first.serve({ standby: true });
      expect((await b.stop("SIGTERM")).code).toBe(0);
      await takeoverOf(again);
      await newAccount(again.directoryUrl);
      expect((await again.stop("SIGTERM")).code).toBe(0);
      // Both stopped cleanly, each as the active node then.
      const stopped = await rolesListed(first);
      expect(stopped.get(aId)?.[0]).toBe("stopped");
      expect(stopped.get(await second.serverId())).toEqual(["stopped", "-"]);
      await expectAuditFilesCoverTheLog([first, second], (await events(first)).length);
    }, 300_000);
  });
}

standbyTests("sqlite", false);
standbyTests("postgres", !postgres.reachable);
