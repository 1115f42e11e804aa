/**
 * An ACME client gets its certificate from an `adcs-cli` authority (fake certreq/certutil on
 * Linux): the order's policy is bound to the authority, finalize submits through certreq, a
 * request held for approval keeps the order `processing` until the officer issues it.
 */
import { X509Certificate } from "node:crypto";
import { lookup as dnsLookup } from "node:dns";
import https from "node:https";
import type { LookupFunction } from "node:net";
import * as acme from "acme-client";
import { describe, expect, it } from "vitest";
import { CA_NAME, FAKE_CERTREQ, FAKE_CERTUTIL, TEMPLATE, createTestCa, withFakeAdcs, type FakeAdcs } from "../ca/adcs-cli/fixture.js";
import { licenseFile } from "../support/license.js";
import { startAcmeTestServer, type AcmeTestServer } from "./acme-server.js";

const loopback: LookupFunction = (_host, options, callback) => dnsLookup("127.0.0.1", { ...options, family: 4 }, callback);

async function withAdcsServer(
  run: (server: AcmeTestServer, fake: FakeAdcs) => Promise<void>,
  bound: readonly string[] = ["corp-adcs"],
  pendingDeadlineMs?: number,
): Promise<void> {
  const ca = await createTestCa();
  await withFakeAdcs(ca, async (fake) => {
    const server = await startAcmeTestServer({
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
          defaultTimeoutMs: 30_000,
        },
        { name: "local", type: "local", policies: [], disableCaRevocation: false },
      ],
      policyBindings: [{ policy: "default", authorities: [...bound], strategy: "first_available" }],
      issuancePollMs: 200,
      // Two authorities: more than the Free plan's one, so the test installs a license allowing two.
      license: await licenseFile({ plan: "starter", max_cas: 2, allowed_dbs: ["sqlite"] }),
      ...(pendingDeadlineMs !== undefined ? { acme: { pendingDeadlineMs } } : {}),
    });
    acme.axios.defaults.httpsAgent = new https.Agent({ ca: server.rootPem, lookup: loopback });
    try {
      await run(server, fake);
    } finally {
      await server.stop();
    }
  });
}

async function readyOrder(server: AcmeTestServer, name: string): Promise<{ client: acme.Client; order: acme.Order; csr: Buffer }> {
  const client = new acme.Client({ directoryUrl: server.directoryUrl, accountKey: await acme.crypto.createPrivateEcdsaKey() });
  await client.createAccount({ termsOfServiceAgreed: true });
  const order = await client.createOrder({ identifiers: [{ type: "dns", value: name }] });
  for (const authorization of await client.getAuthorizations(order)) {
    const challenge = authorization.challenges.find((c) => c.type === "http-01");
    if (!challenge) throw new Error("no http-01");
    server.http01.set(challenge.token, await client.getChallengeKeyAuthorization(challenge));
    await client.completeChallenge(challenge);
    await client.waitForValidStatus(challenge);
  }
  const [, csr] = await acme.crypto.createCsr({ altNames: [name] }, await acme.crypto.createPrivateEcdsaKey());
  return { client, order, csr };
}

describe("issuance through an adcs-cli authority", () => {
  it("submits with certreq under the configured CA and template, and serves the CA's certificate", async () => {
    await withAdcsServer(async (server, fake) => {
      await fake.scenario("issued");
      const { client, order, csr } = await readyOrder(server, "web.corp.test");
      const valid = await client.waitForValidStatus(await client.finalizeOrder(order, csr));
      const leaf = new X509Certificate((await client.getCertificate(valid)).split(/(?<=-----END CERTIFICATE-----)/)[0] ?? "");
      expect(leaf.issuer).toContain("Corp Issuing CA 1");
      expect(leaf.checkHost("web.corp.test")).toBe("web.corp.test");
      const submit = (await fake.argv()).find((entry) => entry.program === "certreq" && entry.argv.includes("-submit"));
      expect(submit?.argv).toEqual(expect.arrayContaining(["-config", CA_NAME, "-attrib", `CertificateTemplate:${TEMPLATE}`]));
    });
  });

  it("keeps a request held for approval processing, then completes it once the officer issues it", async () => {
    await withAdcsServer(async (server, fake) => {
      await fake.scenario("pending");
      const { client, order, csr } = await readyOrder(server, "approve.corp.test");
      const finalized = await client.finalizeOrder(order, csr);
      expect(finalized.status).toBe("processing");
      const pending = (await server.core.dialect.readProjection("acme_orders")).find((o) => o["status"] === "processing");
      expect(pending).toBeDefined();
      const requestId = await waitForRequestId(fake);
      await fake.officer("resubmit", requestId);
      const valid = await client.waitForValidStatus(finalized);
      expect(valid.status).toBe("valid");
    });
  });
});

describe("a request nobody approves", () => {
  it("gives the order up as invalid once acme.pending-deadline has passed", async () => {
    await withAdcsServer(
      async (server, fake) => {
        await fake.scenario("pending");
        const { client, order, csr } = await readyOrder(server, "forgotten.corp.test");
        const finalized = await client.finalizeOrder(order, csr);
        expect(finalized.status).toBe("processing");
        await expect(client.waitForValidStatus(finalized)).rejects.toThrow(/did not approve request \d+ within/);
        expect((await client.getOrder(finalized)).status).toBe("invalid");
      },
      ["corp-adcs"],
      600,
    );
  });
});

describe("failover between authorities", () => {
  it("hands the request to the next authority of the policy when the first cannot be reached", async () => {
    await withAdcsServer(async (server, fake) => {
      const { client, order, csr } = await readyOrder(server, "failover.corp.test");
      // The start-up health probe must have seen the CA answer: it is unreachable only from now on.
      await expect.poll(async () => (await fake.argv()).some((e) => e.program === "certutil" && e.argv.includes("-ping")), { timeout: 10_000 }).toBe(true);
      await expect.poll(() => server.acme.authorities.get("corp-adcs")?.health().then((h) => h.healthy), { timeout: 10_000 }).toBe(true);
      await fake.scenario("rpc-unavailable");
      const valid = await client.waitForValidStatus(await client.finalizeOrder(order, csr));
      const leaf = new X509Certificate((await client.getCertificate(valid)).split(/(?<=-----END CERTIFICATE-----)/)[0] ?? "");
      // Issued by the embedded CA, the binding's second authority.
      expect(leaf.issuer).not.toContain("Corp Issuing CA 1");
      const changed = (await server.core.dialect.readAll(0, 10_000)).filter((e) => e.eventType === "acme.order.authority-changed");
      expect(changed).toHaveLength(1);
      expect(JSON.parse(changed[0]?.body ?? "{}").data).toMatchObject({ from: "corp-adcs", to: "local" });
    }, ["corp-adcs", "local"]);
  });
});

async function waitForRequestId(fake: FakeAdcs): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const submit = (await fake.argv()).find((entry) => entry.program === "certreq" && entry.argv.includes("-submit"));
    if (submit) {
      const ids = await import("node:fs/promises").then((fs) => fs.readdir(`${fake.dir}/requests`).catch(() => [] as string[]));
      const id = ids.map((f) => f.replace(/\.json$/, "")).find((f) => /^\d+$/.test(f));
      if (id) return id;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("the fake CA never received the request");
}
