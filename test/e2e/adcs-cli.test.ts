/**
 * An ACME client gets its certificate from an `adcs-cli` authority (fake certreq/certutil on
 * Linux): the order's policy is bound to the authority, finalize submits through certreq, a
 * request held for approval keeps the order `processing` until the officer issues it, and a
 * revocation reaches the CA through certutil -revoke after the ACME answer, retried with back-off.
 */
import { X509Certificate } from "node:crypto";
import { lookup as dnsLookup } from "node:dns";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LookupFunction } from "node:net";
import * as acme from "acme-client";
import { describe, expect, it } from "vitest";
import { CA_NAME, FAKE_CERTREQ, FAKE_CERTUTIL, TEMPLATE, createTestCa, withFakeAdcs, type FakeAdcs, type TestCa } from "../ca/adcs-cli/fixture.js";
import { authorityReadiness } from "../../src/node/readiness.js";
import { licenseFile } from "../support/license.js";
import { startAcmeTestServer, type AcmeTestServer } from "./acme-server.js";
import { readyOrder } from "./ready-order.js";
import { opensslVerifyChain } from "./openssl-checks.js";

const loopback: LookupFunction = (_host, options, callback) => dnsLookup("127.0.0.1", { ...options, family: 4 }, callback);

interface AdcsServerOptions {
  readonly bound?: readonly string[];
  readonly pendingDeadlineMs?: number;
  readonly disableCaRevocation?: boolean;
  readonly revocationRetry?: { readonly firstRetryMs: number; readonly maxRetryMs: number };
  /** reuse this workdir (a restart) */
  readonly workdir?: string;
  /** how often a request the CA holds is polled (default 200 ms) */
  readonly issuancePollMs?: number;
}

async function startAdcsServer(options: AdcsServerOptions = {}): Promise<AcmeTestServer> {
  const server = await startAcmeTestServer({
    authorities: [
      {
        name: "corp-adcs",
        type: "adcs-cli",
        policies: [],
        disableCaRevocation: options.disableCaRevocation ?? false,
        caName: CA_NAME,
        certificateTemplate: TEMPLATE,
        certreqPath: FAKE_CERTREQ,
        certutilPath: FAKE_CERTUTIL,
        defaultTimeoutMs: 30_000,
      },
      { name: "local", type: "local", policies: [], disableCaRevocation: false },
    ],
    policyBindings: [{ policy: "default", authorities: [...(options.bound ?? ["corp-adcs"])], strategy: "first_available" }],
    issuancePollMs: options.issuancePollMs ?? 200,
    // Two authorities: more than the Free plan's one, so the test installs a license allowing two.
    license: await licenseFile({ plan: "starter", max_cas: 2, allowed_dbs: ["sqlite"] }),
    ...(options.pendingDeadlineMs !== undefined ? { acme: { pendingDeadlineMs: options.pendingDeadlineMs } } : {}),
    ...(options.revocationRetry ? { revocationRetry: options.revocationRetry } : {}),
    ...(options.workdir !== undefined ? { workdir: options.workdir } : {}),
  });
  acme.axios.defaults.httpsAgent = new https.Agent({ ca: server.rootPem, lookup: loopback });
  return server;
}

async function withAdcsServer(
  run: (server: AcmeTestServer, fake: FakeAdcs, ca: TestCa) => Promise<void>,
  bound: readonly string[] = ["corp-adcs"],
  pendingDeadlineMs?: number,
): Promise<void> {
  const ca = await createTestCa();
  await withFakeAdcs(ca, async (fake) => {
    const server = await startAdcsServer({ bound, ...(pendingDeadlineMs !== undefined ? { pendingDeadlineMs } : {}) });
    try {
      await run(server, fake, ca);
    } finally {
      await server.stop();
    }
  });
}

describe("issuance through an adcs-cli authority", () => {
  it("submits with certreq under the configured CA and template, and serves the CA's certificate", async () => {
    await withAdcsServer(async (server, fake, ca) => {
      await fake.scenario("issued");
      const { client, order, csr } = await readyOrder(server, "web.corp.test");
      const valid = await client.waitForValidStatus(await client.finalizeOrder(order, csr));
      const pem = await client.getCertificate(valid);
      const leaf = new X509Certificate(pem.split(/(?<=-----END CERTIFICATE-----)/)[0] ?? "");
      expect(leaf.issuer).toContain("Corp Issuing CA 1");
      expect(leaf.checkHost("web.corp.test")).toBe("web.corp.test");
      expect(await opensslVerifyChain(pem, ca.rootPem)).toMatchObject({ status: 0 });
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

describe("a request held for approval across a restart", () => {
  it("answers processing with Retry-After, and after a restart polls the recorded request id instead of submitting again", async () => {
    const workdir = await mkdtemp(join(tmpdir(), "certeasy-pending-restart-"));
    const calls = async (fake: FakeAdcs, verb: string): Promise<number> => (await fake.argv()).filter((e) => e.program === "certreq" && e.argv.includes(verb)).length;
    try {
      await withFakeAdcs(await createTestCa(), async (fake) => {
        await fake.scenario("pending");
        const first = await startAdcsServer({ workdir, issuancePollMs: 7_000 });
        let requestId: string;
        try {
          const { client, order, csr } = await readyOrder(first, "held.corp.test");
          const finalized = await client.finalizeOrder(order, csr);
          expect(finalized.status).toBe("processing");
          // RFC 8555 §7.4: a processing order says when to look again (acme-client hides headers).
          const api = (client as unknown as { api: { getOrder(url: string): Promise<{ headers: Record<string, string> }> } }).api;
          requestId = await waitForRequestId(fake);
          await expect.poll(async () => (await first.core.dialect.readAll(0, 100_000)).some((e) => e.eventType === "acme.order.pending-at-authority"), { timeout: 10_000 }).toBe(true);
          // Held for approval: nothing changes before the server polls the CA again, 7 s later.
          expect((await api.getOrder(finalized.url)).headers["retry-after"]).toBe("7");
        } finally {
          await first.stop();
        }
        // Approved while Certeasy was down.
        await fake.officer("resubmit", requestId);
        const second = await startAdcsServer({ workdir });
        try {
          await expect.poll(async () => (await second.core.dialect.readProjection("acme_orders")).map((o) => o["status"]), { timeout: 15_000 }).toEqual(["valid"]);
          expect(await calls(fake, "-submit")).toBe(1);
          expect(await calls(fake, "-retrieve")).toBeGreaterThan(0);
        } finally {
          await second.stop();
        }
      });
    } finally {
      await rm(workdir, { recursive: true, force: true });
    }
  });
});

describe("polling a request held for approval", () => {
  it("asks the CA again every acme.pending-poll-interval, and says so in Retry-After", async () => {
    const INTERVAL_MS = 1_500;
    await withFakeAdcs(await createTestCa(), async (fake) => {
      await fake.scenario("pending");
      const server = await startAdcsServer({ issuancePollMs: INTERVAL_MS });
      try {
        const { client, order, csr } = await readyOrder(server, "polled.corp.test");
        const finalized = await client.finalizeOrder(order, csr);
        await waitForRequestId(fake);
        const api = (client as unknown as { api: { getOrder(url: string): Promise<{ headers: Record<string, string> }> } }).api;
        await expect.poll(async () => (await api.getOrder(finalized.url)).headers["retry-after"], { timeout: 10_000 }).toBe("2");
        // When each `certreq -retrieve` shows up, sampled every 100 ms.
        const retrieves = async (): Promise<number> => (await fake.argv()).filter((e) => e.program === "certreq" && e.argv.includes("-retrieve")).length;
        const seenAt: number[] = [];
        let seen = await retrieves();
        const until = Date.now() + 3 * INTERVAL_MS + 1_000;
        while (Date.now() < until) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          const now = await retrieves();
          if (now > seen) seenAt.push(Date.now());
          seen = now;
        }
        expect(seenAt.length).toBeGreaterThanOrEqual(2);
        const gaps = seenAt.slice(1).map((at, i) => at - (seenAt[i] ?? at));
        // The interval, plus one certreq process and the sampling step; never sooner.
        for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(INTERVAL_MS - 200);
        for (const gap of gaps) expect(gap).toBeLessThan(2 * INTERVAL_MS);
      } finally {
        await server.stop();
      }
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

describe("a denial", () => {
  it("makes the order invalid with the CA's decoded reason", async () => {
    await withAdcsServer(async (server, fake) => {
      await fake.scenario("denied-template");
      const { client, order, csr } = await readyOrder(server, "denied.corp.test");
      const finalized = await client.finalizeOrder(order, csr);
      await expect(client.waitForValidStatus(finalized)).rejects.toThrow(/refused the request: .*0x80094800|refused the request: .*template/i);
      const invalid = await client.getOrder(finalized);
      expect(invalid.status).toBe("invalid");
    });
  });
});

describe("a crash between submission and the CA's answer", () => {
  const submits = async (fake: FakeAdcs): Promise<number> => (await fake.argv()).filter((e) => e.program === "certreq" && e.argv.includes("-submit")).length;

  it("never submits twice: after the restart the order is given up as invalid, saying why", async () => {
    const workdir = await mkdtemp(join(tmpdir(), "certeasy-submission-crash-"));
    try {
      await withFakeAdcs(await createTestCa(), async (fake) => {
        // certreq hangs: the process stops while the CA may already hold the request.
        await fake.scenario("timeout");
        const first = await startAdcsServer({ workdir, issuancePollMs: 7_000 });
        try {
          const { client, order, csr } = await readyOrder(first, "crash.corp.test");
          expect((await client.finalizeOrder(order, csr)).status).toBe("processing");
          await expect.poll(() => submits(fake), { timeout: 10_000 }).toBe(1);
        } finally {
          await first.stop();
        }
        await fake.scenario("issued");
        const second = await startAdcsServer({ workdir });
        try {
          const orderEvents = async () =>
            (await second.core.dialect.readAll(0, 100_000)).filter((e) => e.streamId.startsWith("order:")).map((e) => ({ type: e.eventType, data: (JSON.parse(e.body) as { data: unknown }).data }));
          await expect.poll(async () => (await orderEvents()).at(-1)?.type, { timeout: 15_000 }).toBe("acme.order.invalid");
          const events = await orderEvents();
          // Recorded before certreq ran, once.
          expect(events.filter((e) => e.type === "acme.order.submitting")).toEqual([{ type: "acme.order.submitting", data: { authority: "corp-adcs" } }]);
          expect(events.at(-1)?.data).toMatchObject({ error: { type: "serverInternal", detail: expect.stringMatching(/stopped while submitting .*corp-adcs.*not submitted a second time/) } });
          expect(await submits(fake)).toBe(1);
        } finally {
          await second.stop();
        }
      });
    } finally {
      await rm(workdir, { recursive: true, force: true });
    }
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

describe("revocation propagation to ADCS", () => {
  /** A certificate issued by corp-adcs, then revoked by its account (reason 1, keyCompromise). */
  async function issueAndRevoke(server: AcmeTestServer, fake: FakeAdcs, name: string): Promise<string> {
    await fake.scenario("issued");
    const { client, order, csr } = await readyOrder(server, name);
    const pem = await client.getCertificate(await client.waitForValidStatus(await client.finalizeOrder(order, csr)));
    await client.revokeCertificate(pem, { reason: 1 });
    return new X509Certificate(pem.split(/(?<=-----END CERTIFICATE-----)/)[0] ?? "").serialNumber;
  }

  const propagation = async (server: AcmeTestServer): Promise<{ type: string; data: Record<string, unknown> }[]> =>
    (await server.core.dialect.readAll(0, 100_000))
      .filter((e) => e.eventType.startsWith("acme.revocation."))
      .map((e) => ({ type: e.eventType, data: (JSON.parse(e.body) as { data: Record<string, unknown> }).data }));
  const revokeCalls = async (fake: FakeAdcs): Promise<number> => (await fake.argv()).filter((e) => e.program === "certutil" && e.argv.includes("-revoke")).length;
  const caRow = async (fake: FakeAdcs, serial: string) => {
    const { readdir } = await import("node:fs/promises");
    for (const file of await readdir(join(fake.dir, "requests"))) {
      const row = await fake.request(file.replace(/\.json$/, ""));
      if (typeof row["serialHex"] === "string" && row["serialHex"].replace(/^0+/, "").toLowerCase() === serial.replace(/^0+/, "").toLowerCase()) return row;
    }
    throw new Error(`the fake CA never issued ${serial}`);
  };

  it("answers at once, retries certutil -revoke with back-off, and records failed, failed, published", async () => {
    await withFakeAdcs(await createTestCa(), async (fake) => {
      const server = await startAdcsServer({ revocationRetry: { firstRetryMs: 100, maxRetryMs: 400 } });
      try {
        await writeFile(join(fake.dir, "revoke-failures"), "2");
        const serial = await issueAndRevoke(server, fake, "revoked.corp.test");
        // The ACME answer came first: two failures and their back-off are still ahead.
        expect((await propagation(server)).map((e) => e.type)).not.toContain("acme.revocation.published");
        await expect.poll(async () => (await propagation(server)).at(-1)?.type, { timeout: 15_000 }).toBe("acme.revocation.published");
        const events = await propagation(server);
        expect(events.map((e) => e.type)).toEqual([
          "acme.revocation.publishing",
          "acme.revocation.publish-failed",
          "acme.revocation.publishing",
          "acme.revocation.publish-failed",
          "acme.revocation.publishing",
          "acme.revocation.published",
        ]);
        expect(events[1]?.data).toMatchObject({ attempt: 1, error: expect.stringMatching(/RPC server is unavailable/), nextAttemptAt: expect.any(String) });
        expect(events[5]?.data).toMatchObject({ authority: "corp-adcs", attempt: 3 });
        expect(await caRow(fake, serial)).toMatchObject({ revoked: true, revocationReason: 1, revocations: 1 });
        const metrics = await fetchText(`${server.baseUrl}metrics`, server.rootPem);
        expect(metrics).toContain('certeasy_revocation_propagation_total{authority="corp-adcs",outcome="failed"} 2');
        expect(metrics).toContain('certeasy_revocation_propagation_total{authority="corp-adcs",outcome="published"} 1');
      } finally {
        await server.stop();
      }
    });
  });

  it("resumes after a restart at the back-off the log recorded, and never revokes again once published", async () => {
    const workdir = await mkdtemp(join(tmpdir(), "certeasy-revocation-restart-"));
    try {
      await withFakeAdcs(await createTestCa(), async (fake) => {
        const retry = { firstRetryMs: 1_500, maxRetryMs: 1_500 };
        const first = await startAdcsServer({ workdir, revocationRetry: retry });
        let serial: string;
        try {
          await writeFile(join(fake.dir, "revoke-failures"), "1");
          serial = await issueAndRevoke(first, fake, "restart.corp.test");
          await expect.poll(async () => (await propagation(first)).at(-1)?.type, { timeout: 15_000 }).toBe("acme.revocation.publish-failed");
        } finally {
          await first.stop();
        }
        const second = await startAdcsServer({ workdir, revocationRetry: retry });
        try {
          await expect.poll(async () => (await propagation(second)).at(-1)?.type, { timeout: 15_000 }).toBe("acme.revocation.published");
          expect((await propagation(second)).map((e) => e.type)).toEqual([
            "acme.revocation.publishing",
            "acme.revocation.publish-failed",
            "acme.revocation.publishing",
            "acme.revocation.published",
          ]);
        } finally {
          await second.stop();
        }
        const callsBefore = await revokeCalls(fake);
        const third = await startAdcsServer({ workdir, revocationRetry: retry });
        try {
          // The pending-revocations projection is hydrated: nothing is left to publish.
          expect(third.core.live.caughtUp()).toBe(true);
          expect(third.acme.revocationQueue.size).toBe(0);
          expect((await propagation(third)).length).toBe(4);
        } finally {
          await third.stop();
        }
        expect(await revokeCalls(fake)).toBe(callsBefore);
        expect(await caRow(fake, serial)).toMatchObject({ revoked: true, revocations: 1 });
      });
    } finally {
      await rm(workdir, { recursive: true, force: true });
    }
  });

  it("skips the CA, with the reason, for an authority with disable-ca-revocation", async () => {
    await withFakeAdcs(await createTestCa(), async (fake) => {
      const server = await startAdcsServer({ disableCaRevocation: true });
      try {
        const serial = await issueAndRevoke(server, fake, "kept.corp.test");
        await expect.poll(async () => (await propagation(server)).map((e) => e.type), { timeout: 15_000 }).toEqual(["acme.revocation.skipped"]);
        expect((await propagation(server))[0]?.data).toMatchObject({ authority: "corp-adcs", reason: expect.stringMatching(/disable-ca-revocation/) });
        expect(await revokeCalls(fake)).toBe(0);
        expect(await caRow(fake, serial)).not.toHaveProperty("revoked");
      } finally {
        await server.stop();
      }
    });
  });
});

describe("authority health", () => {
  const healthEvents = async (server: AcmeTestServer): Promise<{ authority: string; healthy: boolean; detail: string }[]> =>
    (await server.core.dialect.readAll(0, 100_000))
      .filter((e) => e.eventType === "authority.health-changed")
      .map((e) => (JSON.parse(e.body) as { data: { authority: string; healthy: boolean; detail: string } }).data);

  it("records changes of state only, across restarts, and /readyz and /metrics show the last probe", async () => {
    const workdir = await mkdtemp(join(tmpdir(), "certeasy-health-"));
    try {
      await withFakeAdcs(await createTestCa(), async (fake) => {
        const first = await startAdcsServer({ workdir, issuancePollMs: 7_000 });
        try {
          await first.acme.probeAuthorities();
          await first.acme.probeAuthorities();
          await fake.scenario("rpc-unavailable");
          await first.acme.probeAuthorities();
          await first.acme.probeAuthorities();
          const [check] = await authorityReadiness(first.acme.authorityHealth, 5_000)();
          // Still ready: the embedded CA can issue; the detail names what is wrong with ADCS.
          expect(check).toMatchObject({ name: "authorities", ready: true, detail: expect.stringMatching(/corp-adcs: certutil -ping failed: .*RPC server is unavailable/) });
          const metrics = await fetchText(`${first.baseUrl}metrics`, first.rootPem);
          expect(metrics).toContain('certeasy_authority_healthy{authority="corp-adcs"} 0');
          expect(metrics).toContain('certeasy_authority_healthy{authority="local"} 1');
          await fake.scenario("issued");
          await first.acme.probeAuthorities();
        } finally {
          await first.stop();
        }
        // A restart in the same state adds nothing.
        const second = await startAdcsServer({ workdir });
        try {
          await second.acme.probeAuthorities();
          const events = await healthEvents(second);
          expect(events.filter((e) => e.authority === "corp-adcs").map((e) => e.healthy)).toEqual([false, true]);
          expect(events.filter((e) => e.authority === "corp-adcs")[0]?.detail).toMatch(/RPC server is unavailable/);
          // Healthy from the start: nothing to record.
          expect(events.filter((e) => e.authority === "local")).toEqual([]);
        } finally {
          await second.stop();
        }
      });
    } finally {
      await rm(workdir, { recursive: true, force: true });
    }
  });
});

function fetchText(url: string, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca, lookup: loopback }, (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
      })
      .on("error", reject);
  });
}

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
