/**
 * One active node, enforced (DESIGN §2 invariant 8), with the real executable on SQLite and
 * (when it answers) PostgreSQL: two installations — own workdir, port and server_id — on one
 * database. The second is refused while the first holds the writer lease, and the message names
 * the holder; `--force-takeover` makes it active; the first cannot append a single event more,
 * answers ACME with 503 and exits 1. The log, both audit files and a rebuild stay consistent;
 * `serve --probe` reports the same, check by check.
 */
import { lookup as dnsLookup } from "node:dns";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { hostname } from "node:os";
import { readFile } from "node:fs/promises";
import * as acme from "acme-client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  createNodePair,
  killLeftoverChildren,
  postgresAvailability,
  STACK_FRAME,
  type Driver,
  type Installation,
} from "./harness.js";

const postgres = await postgresAvailability();

afterEach(killLeftoverChildren);

// Renewals far apart: the first node must learn of the takeover from its next append, which is
// the fencing this test is about (renewal-time detection is tested in test/node/lease.test.ts).
const LEASE = "lease:\n  ttl: 10m\n  renew-interval: 4m\n";
const loopback: LookupFunction = (_host, options, callback) => dnsLookup("127.0.0.1", { ...options, family: 4 }, callback);

async function newAccount(directoryUrl: string): Promise<void> {
  const client = new acme.Client({ directoryUrl, accountKey: await acme.crypto.createPrivateEcdsaKey() });
  await client.createAccount({ termsOfServiceAgreed: true });
}

const count = async (node: Installation, where: string): Promise<number> =>
  Number((await node.db.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM es_events WHERE ${where}`))[0]?.n);

function oneActiveNode(driver: Driver, skip: boolean): void {
  describe.skipIf(skip)(`one active node on ${driver}`, () => {
    let first: Installation;
    let second: Installation;
    // Epochs the test has seen taken before its first serve (the license install on PostgreSQL).
    const e0 = driver === "postgres" ? 1 : 0;

    beforeAll(async () => {
      [first, second] = await createNodePair(driver, { configExtra: LEASE });
    });
    afterAll(async () => {
      await killLeftoverChildren();
      await second?.cleanup();
      await first?.cleanup();
    });

    it("refuses a second node naming the first; --force-takeover fences the first, which answers 503 and exits 1", async () => {
      const a = await first.serve();
      const aId = await first.serverId();
      const refused = await second.cli("serve");
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`server_id ${aId} on host ${hostname()} holds the writer lease (epoch ${e0 + 1}) until 20`);
      expect(refused.stderr).toContain("--force-takeover");
      expect(refused.stderr).not.toMatch(STACK_FRAME);
      const bId = await second.serverId();
      // The boot probe says the same, check by check, and touches nothing either.
      const probe = await second.cli("serve", "--probe");
      expect(probe.code, probe.stderr).toBe(1);
      expect(probe.stdout).toMatch(/^ok {2,}database {2,}reachable/m);
      expect(probe.stdout).toMatch(new RegExp(`^FAIL {2,}lease {2,}held by server_id ${aId} on host \\S+ \\(epoch ${e0 + 1}\\) until 20\\S+: stop that node first, `, "m"));
      // On a standby host the lease is held and fresh: the probe names both ways to start there.
      expect(probe.stdout).toContain("or start this one with `serve --standby` (it waits for the lease and takes over when it expires), or with --force-takeover if that node is dead");
      expect(probe.stdout).toMatch(/^ok {2,}audit {2,}/m);
      expect(probe.stdout).toMatch(/^ok {2,}authority local {2,}embedded CA/m);
      expect(probe.stdout).toContain("probe failed: 1 check(s) failed");
      // A refused boot writes nothing to the shared database, and leaves no audit file behind.
      expect(await count(first, `server_id = '${bId}'`)).toBe(0);
      await expect(readFile(second.auditPath)).rejects.toMatchObject({ code: "ENOENT" });
      expect(await first.db.query(`SELECT server_id FROM servers WHERE server_id = '${bId}'`)).toEqual([]);

      acme.axios.defaults.httpsAgent = new https.Agent({ ca: await readFile(first.rootCaPath, "utf8"), lookup: loopback });
      await newAccount(a.directoryUrl);

      const b = await second.serve({ args: ["--force-takeover"] });
      // Each node serves HTTPS under a CA of its own: trust both from now on.
      const cas = await Promise.all([readFile(first.rootCaPath, "utf8"), readFile(second.rootCaPath, "utf8")]);
      acme.axios.defaults.httpsAgent = new https.Agent({ ca: cas, lookup: loopback });
      const [lease] = await first.db.query<Record<string, unknown>>("SELECT holder_server_id, epoch FROM node_lease");
      expect({ holder: lease?.["holder_server_id"], epoch: Number(lease?.["epoch"]) }).toEqual({ holder: bId, epoch: e0 + 2 });
      const [takeover] = await first.db.query<{ body: string }>("SELECT body FROM es_events WHERE event_type = 'node.lease-taken-over'");
      expect(JSON.parse(takeover?.body ?? "{}")).toMatchObject({
        meta: { node: bId, epoch: e0 + 2 },
        data: { previousHolder: aId, previousHostname: hostname(), previousEpoch: e0 + 1, epoch: e0 + 2 },
      });
      expect((await second.auditLines()).some((line) => JSON.parse(line).kind === "takeover")).toBe(true);
      const listed = await second.cli("audit", "list-servers");
      expect(listed.code, listed.stderr).toBe(0);
      const roles = new Map(listed.stdout.trimEnd().split("\n").slice(1).map((row) => [row.split(/\s+/)[0], row.split(/\s{2,}/).slice(4)]));
      expect(roles.get(bId)).toEqual(["active", expect.stringMatching(new RegExp(`^epoch ${e0 + 2}, expires 20\\d\\d-`))]);
      expect(roles.get(aId)).toEqual(["inactive", "-"]);

      // The first node still believes it is active until it tries to write: the append is fenced.
      const aEvents = await count(first, `server_id = '${aId}'`);
      // acme-client would retry a 503 after its Retry-After; this test wants the first answer.
      const settings = (acme.axios.defaults as unknown as { acmeSettings: { retryMaxAttempts: number } }).acmeSettings;
      const retries = settings.retryMaxAttempts;
      settings.retryMaxAttempts = 0;
      try {
        await expect(newAccount(a.directoryUrl)).rejects.toThrow(/no longer the active node/);
      } finally {
        settings.retryMaxAttempts = retries;
      }
      const exit = await a.stop("SIGCONT", 30_000); // a harmless signal: wait for its own exit
      expect(exit.code).toBe(1);
      expect(a.stderr()).toContain(`no longer holds the writer lease at epoch ${e0 + 1}: it is held by server_id ${bId}`);
      expect(await count(first, `server_id = '${aId}'`)).toBe(aEvents);
      expect(await count(first, `server_id = '${aId}' AND position > (SELECT position FROM es_events WHERE event_type = 'node.lease-taken-over')`)).toBe(0);

      // The active node serves; everything it and the first wrote verifies and rebuilds.
      await newAccount(b.directoryUrl);
      expect((await b.stop("SIGTERM")).code).toBe(0);
      for (const node of [first, second]) {
        const verified = await node.cli("audit", "verify");
        expect(verified.code, verified.stdout + verified.stderr).toBe(0);
      }
      expect((await second.cli("events", "verify")).code).toBe(0);
      const rebuilt = await second.cli("projections", "rebuild");
      expect(rebuilt.code, rebuilt.stderr).toBe(0);
      // Released at its clean stop: the probe passes on the first node, which starts again at
      // once, at epoch 3 (4 on postgres, where the license install took one).
      const passed = await first.cli("serve", "--probe");
      expect(passed.code, passed.stdout).toBe(0);
      expect(passed.stdout).toMatch(new RegExp(`^ok {2,}lease {2,}free: last held by server_id ${bId}`, "m"));
      expect(passed.stdout).toMatch(/^ok {2,}audit {2,}\d+ lines, \d+ events, consistent with the database$/m);
      expect(passed.stdout).toMatch(/^ok {2,}tls certificate {2,}cached, valid until 20/m);
      const again = await first.serve();
      expect((await again.stop("SIGTERM")).code).toBe(0);
      const [after] = await first.db.query<Record<string, unknown>>("SELECT holder_server_id, epoch FROM node_lease");
      expect({ holder: after?.["holder_server_id"], epoch: Number(after?.["epoch"]) }).toEqual({ holder: aId, epoch: e0 + 3 });
    }, 400_000);
  });
}

oneActiveNode("sqlite", false);
oneActiveNode("postgres", !postgres.reachable);
