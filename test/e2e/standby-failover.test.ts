/**
 * Certificates keep coming across a takeover (DESIGN §2 invariant 8), with a real ACME client
 * (npm `acme-client`) behind a load balancer that routes to whichever node is ready: an active
 * node and a `serve --standby` node on one database (SQLite, and PostgreSQL when it answers),
 * the client issuing continuously (new order → http-01 → finalize → download, retried with
 * back-off on connection errors and 503s). The active node is SIGKILLed mid-stream; the standby
 * takes over and the client carries on. Every certificate the client was told it got is in the
 * database and downloadable from the new active node afterwards.
 */
import { X509Certificate } from "node:crypto";
import { lookup as dnsLookup } from "node:dns";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { readFile } from "node:fs/promises";
import * as acme from "acme-client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startHttp01Responder, type Http01Responder } from "../support/challenge-responders.js";
import { startDnsServer, type TestDnsServer } from "../support/dns-server.js";
import { startFailoverProxy, type FailoverProxy } from "./failover-proxy.js";
import { answerHttp01 } from "./ready-order.js";
import { createNodePair, killLeftoverChildren, loopbackValidationYaml, postgresAvailability, type Driver, type Installation } from "./harness.js";

const postgres = await postgresAvailability();

afterEach(killLeftoverChildren);

const loopback: LookupFunction = (_host, options, callback) => dnsLookup("127.0.0.1", { ...options, family: 4 }, callback);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Issued {
  readonly name: string;
  readonly order: acme.Order;
  readonly pem: string;
}

const leafSerial = (pem: string): string => new X509Certificate(pem.slice(0, pem.indexOf("-----END CERTIFICATE-----") + 25)).serialNumber.toLowerCase();

function failover(driver: Driver, skip: boolean): void {
  describe.skipIf(skip)(`issuing certificates across a takeover on ${driver}`, () => {
    let dns: TestDnsServer;
    let http01: Http01Responder;
    let proxy: FailoverProxy;
    const nodes: Installation[] = [];
    const caPems = async (): Promise<string> =>
      (await Promise.all(nodes.map((n) => readFile(n.rootCaPath, "utf8").catch(() => "")))).filter((p) => p !== "").join("\n");

    beforeAll(async () => {
      dns = await startDnsServer({ defaultA: "127.0.0.1" });
      http01 = await startHttp01Responder();
      proxy = await startFailoverProxy(() => nodes.map((n) => n.port), caPems);
      // Both nodes are known by the load balancer's name; validation runs on loopback.
      const configExtra = [...loopbackValidationYaml("loopback", dns.address, http01.port), ""].join("\n");
      nodes.push(...(await createNodePair(driver, { publicUrl: `https://localhost:${proxy.port}/`, configExtra })));
    });
    afterAll(async () => {
      await killLeftoverChildren();
      await proxy?.close();
      await Promise.all([dns?.close(), http01?.close()]);
      for (const node of nodes.reverse()) await node.cleanup();
    });

    it("every certificate the client was told it got is in the database and downloadable from the new active node", async () => {
      const [first, second] = nodes as [Installation, Installation];
      const a = await first.serve();
      const b = await second.serve({ standby: true });
      const aId = await first.serverId();
      const bId = await second.serverId();
      acme.axios.defaults.httpsAgent = new https.Agent({ ca: await caPems(), lookup: loopback });
      const client = new acme.Client({ directoryUrl: a.directoryUrl, accountKey: await acme.crypto.createPrivateEcdsaKey() });
      await client.createAccount({ termsOfServiceAgreed: true });

      const issueOne = async (name: string): Promise<Issued> => {
        const order = await client.createOrder({ identifiers: [{ type: "dns", value: name }] });
        await answerHttp01(client, order, http01);
        const [, csr] = await acme.crypto.createCsr({ altNames: [name] }, await acme.crypto.createPrivateEcdsaKey());
        const valid = await client.waitForValidStatus(await client.finalizeOrder(order, csr));
        return { name, order: valid, pem: await client.getCertificate(valid) };
      };

      // What acme-client retried by itself: badNonce (RFC 8555 §6.5) and 503 / connection errors.
      const clientLog: string[] = [];
      acme.setLogger((message: string) => clientLog.push(message));
      const issued: Issued[] = [];
      const failures: string[] = [];
      let done = false;
      const issueContinuously = async (): Promise<void> => {
        let backoffMs = 250;
        for (let i = 1; !done; i++) {
          try {
            issued.push(await issueOne(`n${i}.failover.test`));
            backoffMs = 250;
          } catch (error) {
            failures.push(error instanceof Error ? error.message : String(error));
            await sleep(backoffMs);
            backoffMs = Math.min(backoffMs * 2, 2_000);
          }
        }
      };
      const loop = issueContinuously();
      try {
        await expect.poll(() => issued.length, { timeout: 120_000, interval: 100 }).toBeGreaterThanOrEqual(3);
        const beforeKill = issued.length;
        await a.stop("SIGKILL");
        await b.waitForStdout(/^ACME directory: /m, 90_000);
        await expect.poll(() => issued.length, { timeout: 180_000, interval: 100 }).toBeGreaterThanOrEqual(beforeKill + 3);
      } finally {
        done = true;
        await loop;
        acme.setLogger(() => undefined);
      }
      // The new active does not know the dead node's nonces: one badNonce, then a fresh nonce.
      const badNonces = clientLog.filter((m) => m.startsWith("Caught invalid nonce error")).length;
      const retried = clientLog.filter((m) => /^Caught .*, retry attempt/.test(m));
      expect(badNonces).toBeLessThanOrEqual(1);

      // The new active issued some of them, and each one is in the database and downloads as issued.
      const rows = await first.db.query<{ serial: string }>("SELECT serial FROM acme_certificates");
      const stored = new Set(rows.map((r) => r.serial.toLowerCase().replace(/^0+/, "")));
      for (const certificate of issued) {
        expect(stored.has(leafSerial(certificate.pem).replace(/^0+/, "")), certificate.name).toBe(true);
        expect(await client.getCertificate(certificate.order), certificate.name).toBe(certificate.pem);
      }
      const issuers = await first.db.query<{ server_id: string; n: number | string }>(
        "SELECT server_id, COUNT(*) AS n FROM es_events WHERE event_type = 'acme.certificate.issued' GROUP BY server_id",
      );
      const byNode = new Map(issuers.map((r) => [r.server_id, Number(r.n)]));
      expect(byNode.get(bId) ?? 0).toBeGreaterThanOrEqual(1);
      expect((byNode.get(aId) ?? 0) + (byNode.get(bId) ?? 0)).toBeGreaterThanOrEqual(issued.length);
      console.log(
        `[failover ${driver}] ${issued.length} certificates; acme-client retried ${retried.length} request(s) (${[...new Set(retried.map((m) => m.split(",")[0]))].join(", ")}) ` +
          `and ${badNonces} badNonce; ${failures.length} order(s) started over: ${[...new Set(failures)].slice(0, 3).join(" | ")}`,
      );
      expect((await b.stop("SIGTERM")).code).toBe(0);
    }, 480_000);
  });
}

failover("sqlite", false);
failover("postgres", !postgres.reachable);
