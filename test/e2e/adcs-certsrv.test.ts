/**
 * An ACME client gets its certificate from an `adcs-certsrv` authority: the fake Web Enrollment
 * site over real HTTPS with NTLMv2, a request held for approval completed once the officer
 * issues it, a denial that reaches the client with the CA's reason, and a revocation that
 * Certeasy records although the CA cannot be told.
 */
import { X509Certificate } from "node:crypto";
import { lookup as dnsLookup } from "node:dns";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as acme from "acme-client";
import { describe, expect, it } from "vitest";
import { createTestCa, type TestCa } from "../ca/adcs-cli/fixture.js";
import { FAKE_PASSWORD, FAKE_TEMPLATE, FAKE_USER, type FakeCertsrv, startFakeCertsrv } from "../ca/adcs-certsrv/fake-certsrv.js";
import { startAcmeTestServer, type AcmeTestServer } from "./acme-server.js";
import { readyOrder } from "./ready-order.js";
import { opensslVerifyChain } from "./openssl-checks.js";

const loopback: LookupFunction = (_host, options, callback) => dnsLookup("127.0.0.1", { ...options, family: 4 }, callback);

async function withCertsrvServer(run: (server: AcmeTestServer, fake: FakeCertsrv, ca: TestCa) => Promise<void>): Promise<void> {
  const ca = await createTestCa();
  const fake = await startFakeCertsrv(ca, { auth: "ntlm", requireChannelBindings: true });
  const secrets = await mkdtemp(join(tmpdir(), "certeasy-certsrv-e2e-"));
  await writeFile(join(secrets, "password"), `${FAKE_PASSWORD}\n`, { mode: 0o600 });
  await writeFile(join(secrets, "site.pem"), fake.tlsCertificatePem);
  const server = await startAcmeTestServer({
    authorities: [
      {
        name: "corp-web",
        type: "adcs-certsrv",
        policies: [],
        disableCaRevocation: false,
        url: fake.url,
        certificateTemplate: FAKE_TEMPLATE,
        auth: "ntlm",
        username: FAKE_USER,
        password: { kind: "file", path: join(secrets, "password") },
        caBundle: join(secrets, "site.pem"),
        defaultTimeoutMs: 30_000,
      },
    ],
    policyBindings: [{ policy: "default", authorities: ["corp-web"], strategy: "first_available" }],
    issuancePollMs: 200,
  });
  acme.axios.defaults.httpsAgent = new https.Agent({ ca: server.rootPem, lookup: loopback });
  try {
    await run(server, fake, ca);
  } finally {
    await server.stop();
    await fake.close();
    await rm(secrets, { recursive: true, force: true });
  }
}

const certificatesIn = (chainPem: string): X509Certificate[] => (chainPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((pem) => new X509Certificate(pem));

describe("issuance through an adcs-certsrv authority", () => {
  it("submits the client's CSR to certfnsh.asp with the template and serves the certificate with its issuing CA", async () => {
    await withCertsrvServer(async (server, fake, ca) => {
      const { client, order, csr } = await readyOrder(server, "web.corp.test");
      const valid = await client.waitForValidStatus(await client.finalizeOrder(order, csr));
      const pem = await client.getCertificate(valid);
      expect(await opensslVerifyChain(pem, ca.rootPem)).toMatchObject({ status: 0 });
      const [leaf, issuing, ...rest] = certificatesIn(pem);
      expect(leaf?.issuer).toContain("Corp Issuing CA 1");
      expect(leaf?.checkHost("web.corp.test")).toBe("web.corp.test");
      expect(issuing?.subject).toContain("Corp Issuing CA 1");
      expect(leaf?.verify(issuing?.publicKey ?? leaf.publicKey)).toBe(true);
      expect(rest).toEqual([]);
      const [request] = [...fake.requests.values()];
      expect(request?.template).toBe(FAKE_TEMPLATE);
      expect(fake.log.every((entry) => entry.user === FAKE_USER)).toBe(true);
    });
  });

  it("keeps a request held for approval processing, then completes it once the officer issues it", async () => {
    await withCertsrvServer(async (server, fake) => {
      fake.mode = "pend";
      const { client, order, csr } = await readyOrder(server, "approve.corp.test");
      const finalized = await client.finalizeOrder(order, csr);
      expect(finalized.status).toBe("processing");
      await expect.poll(() => [...fake.requests.values()].find((r) => r.disposition === "pending")?.id, { timeout: 10_000 }).toBeDefined();
      const id = [...fake.requests.values()].find((r) => r.disposition === "pending")?.id ?? 0;
      // Polled while pending: still processing.
      await expect.poll(() => fake.log.some((entry) => entry.path.startsWith(`/certsrv/certnew.cer?ReqID=${id}`)), { timeout: 10_000 }).toBe(true);
      expect((await client.getOrder(finalized)).status).toBe("processing");
      await fake.approve(id);
      const valid = await client.waitForValidStatus(finalized);
      expect(certificatesIn(await client.getCertificate(valid))[0]?.issuer).toContain("Corp Issuing CA 1");
    });
  });

  it("makes the order invalid with the CA's decoded reason when the policy module denies it", async () => {
    await withCertsrvServer(async (server, fake) => {
      fake.mode = "deny";
      const { client, order, csr } = await readyOrder(server, "denied.corp.test");
      const finalized = await client.finalizeOrder(order, csr).catch((error: unknown) => error);
      const failure = finalized instanceof Error ? finalized : await client.waitForValidStatus(finalized as acme.Order).catch((error: unknown) => error);
      expect(String(failure)).toMatch(/CERTSRV_E_TEMPLATE_DENIED/);
      expect((await client.getOrder(order)).status).toBe("invalid");
    });
  });
});

describe("revocation through an adcs-certsrv authority", () => {
  it("revokes in Certeasy although Web Enrollment cannot tell the CA", async () => {
    await withCertsrvServer(async (server) => {
      const { client, order, csr } = await readyOrder(server, "revoke.corp.test");
      const valid = await client.waitForValidStatus(await client.finalizeOrder(order, csr));
      const chain = await client.getCertificate(valid);
      await client.revokeCertificate(chain, { reason: 1 });
      const revoked = (await server.core.dialect.readAll(0, 10_000)).filter((event) => event.eventType === "acme.certificate.revoked");
      expect(revoked).toHaveLength(1);
      await expect(client.revokeCertificate(chain, { reason: 1 })).rejects.toThrow(/already revoked/i);
    });
  });
});
