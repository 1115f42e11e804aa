/**
 * Issue 8, CA faults under load: several clients finalize at once against an `adcs-cli`
 * authority whose certreq (the test fake) hangs until the configured timeout, prints garbage,
 * exits non-zero, cannot reach the CA, or is denied by policy. Expected: a transient fault keeps
 * the orders `processing` (Retry-After on every poll) and they finish `valid` once the CA is
 * back; a certreq stopped at its timeout leaves the submission in doubt, so the order ends
 * `invalid` and is never submitted again; a denial ends them `invalid` with the CA's reason;
 * the CA never records a second request for an order's CSR; and during a hang the server keeps
 * answering other clients.
 */
import { X509Certificate } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import * as x509 from "@peculiar/x509";
import { calculateJwkThumbprint } from "jose";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { generateCertificateKey } from "../bench/issuance/csr.js";
import { CA_NAME, FAKE_CERTREQ, FAKE_CERTUTIL, TEMPLATE, createTestCa, hungFakePids, withFakeAdcs, type FakeAdcs } from "../ca/adcs-cli/fixture.js";
import { startAcmeTestServer, type AcmeTestServer } from "../e2e/acme-server.js";
import { RawAcmeConnection, retryAfter, type RawAnswer } from "../e2e/raw-acme.js";
import type { TestAccountKey } from "../acme/jws-fixtures.js";
import { licenseFile } from "../support/license.js";

const CLIENTS = Number(process.env["CA_FAULT_CLIENTS"] ?? 4);
/**
 * certreq's `default-timeout` in the tests of faults other than a hang: generous, so that a
 * loaded machine does not turn a slow certreq into a submission in doubt.
 */
const CERTREQ_TIMEOUT_MS = 15_000;
/** in the hang test: long enough to serve a whole other client while certreq hangs */
const HANG_TIMEOUT_MS = 8_000;
const TRANSIENT = ["timeout", "garbage", "exit-nonzero", "rpc-unavailable"] as const;

interface Finalized {
  readonly name: string;
  readonly connection: RawAcmeConnection;
  readonly key: TestAccountKey;
  readonly kid: string;
  readonly orderUrl: string;
  readonly finalizeAnswer: RawAnswer;
}

const json = (answer: RawAnswer): Record<string, unknown> => JSON.parse(answer.body) as Record<string, unknown>;

async function startServer(certreqTimeoutMs = CERTREQ_TIMEOUT_MS): Promise<AcmeTestServer> {
  return startAcmeTestServer({
    authorities: [
      {
        name: "corp-adcs",
        type: "adcs-cli",
        policies: [],
        disableCaRevocation: false,
        caName: CA_NAME,
        certificateTemplate: TEMPLATE,
        certreqPath: FAKE_CERTREQ,
        certutilPath: FAKE_CERTUTIL,
        defaultTimeoutMs: certreqTimeoutMs,
      },
    ],
    policyBindings: [{ policy: "default", authorities: ["corp-adcs"], strategy: "first_available" }],
    issuancePollMs: 200,
    license: await licenseFile({ plan: "starter", max_cas: 2, allowed_dbs: ["sqlite"] }),
  });
}

/** One client: account, order, http-01 answered and valid, then finalize. */
async function finalizeOne(server: AcmeTestServer, name: string): Promise<Finalized> {
  const connection = new RawAcmeConnection(server.baseUrl, server.rootPem);
  const { key, kid, answer } = await connection.newAccount();
  if (kid === undefined) throw new Error(`newAccount: ${answer.status} ${answer.body}`);
  const created = await connection.newOrder(key, kid, [name]);
  expect(created.status, created.body).toBe(201);
  const orderUrl = String(created.headers.location);
  const order = json(created);
  const authzUrl = String((order["authorizations"] as string[])[0]);
  const authz = json(await connection.post(authzUrl, key, undefined, kid));
  const challenge = (authz["challenges"] as Record<string, string>[]).find((c) => c["type"] === "http-01") ?? {};
  const token = String(challenge["token"]);
  server.http01.set(token, `${token}.${await thumbprint(key)}`);
  await connection.post(String(challenge["url"]), key, {}, kid);
  await expect.poll(async () => json(await connection.post(authzUrl, key, undefined, kid))["status"], { timeout: 30_000, interval: 100 }).toBe("valid");
  const csr = generateCertificateKey().csrFor(name);
  const finalizeAnswer = await connection.post(String(order["finalize"]), key, { csr: csr.toString("base64url") }, kid);
  return { name, connection, key, kid, orderUrl, finalizeAnswer };
}

/** RFC 7638 thumbprint of the account key: the second half of the key authorization (RFC 8555 §8.1). */
function thumbprint(key: TestAccountKey): Promise<string> {
  return calculateJwkThumbprint(key.publicJwk as Parameters<typeof calculateJwkThumbprint>[0]);
}

/** Requests the fake CA recorded (one row per certreq -submit it got as far as reading), by the CSR's subject CN. */
async function caRequestsByName(fake: FakeAdcs): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const dir = join(fake.dir, "requests");
  for (const file of await readdir(dir).catch(() => [])) {
    const text = await readFile(join(dir, file), "utf8");
    if (text === "") continue; // reserved by a certreq still running
    const row = JSON.parse(text) as { csrPem: string };
    const cn = /CN=([^,]+)/.exec(new x509.Pkcs10CertificateRequest(row.csrPem).subject)?.[1] ?? "?";
    counts.set(cn, (counts.get(cn) ?? 0) + 1);
  }
  return counts;
}

const submits = async (fake: FakeAdcs): Promise<number> => (await fake.argv()).filter((e) => e.program === "certreq" && e.argv.includes("-submit")).length;

async function orderStatus(f: Finalized): Promise<RawAnswer> {
  return f.connection.post(f.orderUrl, f.key, undefined, f.kid);
}

describe("CA faults under concurrent finalizations (adcs-cli)", () => {
  for (const fault of TRANSIENT) {
    const expected = fault === "timeout" ? "a certreq stopped at its timeout is in doubt: orders end invalid, submitted once" : "orders stay processing with Retry-After, then finish valid once the CA is back; one CA request per CSR";
    it(`${fault}: ${expected}`, async () => {
      await withFakeAdcs(await createTestCa(), async (fake) => {
        const server = await startServer(fault === "timeout" ? HANG_TIMEOUT_MS : CERTREQ_TIMEOUT_MS);
        try {
          await fake.scenario(fault);
          const finalized = await Promise.all(Array.from({ length: CLIENTS }, (_, i) => finalizeOne(server, `${fault}-${i}.corp.test`)));
          for (const f of finalized) {
            expect(f.finalizeAnswer.status, f.finalizeAnswer.body).toBe(200);
            expect(json(f.finalizeAnswer)["status"]).toBe("processing");
          }
          if (fault === "timeout") {
            // certreq hangs right now (its processes are alive): another client is served in full
            // meanwhile, and the hung processes are still there once it is done.
            await expect.poll(() => submits(fake), { timeout: 30_000 }).toBeGreaterThanOrEqual(CLIENTS);
            const hung = await hungFakePids(fake.dir);
            expect(hung.length).toBeGreaterThan(0);
            const other = new RawAcmeConnection(server.baseUrl, server.rootPem);
            const { kid, key } = await other.newAccount();
            expect(kid).toBeDefined();
            expect((await other.newOrder(key, String(kid), ["bystander.corp.test"])).status).toBe(201);
            other.close();
            const hungAfter = await hungFakePids(fake.dir);
            expect(hung.filter((pid) => hungAfter.includes(pid)).length, "certreq still hanging after the other client was served").toBeGreaterThan(0);
            // Stopped at default-timeout, each certreq may have reached the CA: the submission is
            // in doubt, so it is never made again and the order ends invalid, saying why.
            for (const f of finalized) {
              await expect.poll(async () => json(await orderStatus(f))["status"], { timeout: 60_000, interval: 250 }).toBe("invalid");
              const error = json(await orderStatus(f))["error"] as { type?: string; detail?: string } | undefined;
              expect(error?.type).toBe("urn:ietf:params:acme:error:serverInternal");
              expect(error?.detail).toMatch(/did not finish within .* not submitted a second time: create a new order/);
              f.connection.close();
            }
            await fake.scenario("issued");
            await sleep(1_500); // time for a (wrong) resubmission to happen
            expect(await submits(fake)).toBe(CLIENTS);
            console.log(`ca-faults timeout: ${CLIENTS} orders, each submitted once, given up as in doubt`);
            return;
          }
          // The CA keeps failing: several submissions attempted, the orders still processing.
          await expect.poll(() => submits(fake), { timeout: 60_000 }).toBeGreaterThanOrEqual(CLIENTS * 2);
          for (const f of finalized) {
            const polled = await orderStatus(f);
            expect(json(polled)["status"], f.name).toBe("processing");
            expect(retryAfter(polled), f.name).toBeGreaterThan(0);
          }
          const attemptsDuringFault = await submits(fake);
          await fake.scenario("issued");
          for (const f of finalized) {
            await expect.poll(async () => json(await orderStatus(f))["status"], { timeout: 90_000, interval: 250 }).toBe("valid");
            const certificateUrl = String(json(await orderStatus(f))["certificate"]);
            const chain = (await f.connection.post(certificateUrl, f.key, undefined, f.kid)).body;
            expect(new X509Certificate(chain.split(/(?<=-----END CERTIFICATE-----)/)[0] ?? "").checkHost(f.name)).toBe(f.name);
          }
          const perCsr = await caRequestsByName(fake);
          for (const f of finalized) expect(perCsr.get(f.name), `CA requests for ${f.name}'s CSR`).toBe(1);
          console.log(`ca-faults ${fault}: ${CLIENTS} orders, ${attemptsDuringFault} certreq -submit runs during the fault, ${await submits(fake)} in all; 1 CA request per CSR`);
          for (const f of finalized) f.connection.close();
        } finally {
          await server.stop();
        }
      });
    }, 180_000);
  }

  it("denied by policy: every order ends invalid with the CA's reason, submitted once", async () => {
    await withFakeAdcs(await createTestCa(), async (fake) => {
      const server = await startServer();
      try {
        await fake.scenario("denied-policy");
        const finalized = await Promise.all(Array.from({ length: CLIENTS }, (_, i) => finalizeOne(server, `denied-${i}.corp.test`)));
        for (const f of finalized) {
          await expect.poll(async () => json(await orderStatus(f))["status"], { timeout: 60_000, interval: 250 }).toBe("invalid");
          const order = json(await orderStatus(f));
          const error = order["error"] as { type?: string; detail?: string } | undefined;
          expect(error?.type).toBe("urn:ietf:params:acme:error:unauthorized");
          expect(error?.detail).toMatch(/refused the request: .*0x80094003|refused the request/);
          f.connection.close();
        }
        // Give a (wrong) retry the time to happen, then count.
        await sleep(1_500);
        const perCsr = await caRequestsByName(fake);
        for (const f of finalized) expect(perCsr.get(f.name), `CA requests for ${f.name}'s CSR`).toBe(1);
        expect(await submits(fake)).toBe(CLIENTS);
      } finally {
        await server.stop();
      }
    });
  }, 120_000);
});

