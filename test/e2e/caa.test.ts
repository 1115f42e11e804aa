/**
 * CAA (RFC 8659, RFC 8657) end to end with a real ACME client (npm `acme-client`) over HTTPS:
 * a server with `acme.caa-identities` checks the CAA records the in-test DNS server publishes
 * before it lets a validation stand, and again at finalization once the result is older than 8
 * hours (CA/Browser Forum BR §3.2.2.8); a server without identities never asks for CAA at all.
 */
import { X509Certificate } from "node:crypto";
import { lookup as dnsLookup } from "node:dns";
import { mkdtemp, rm } from "node:fs/promises";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as acme from "acme-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAcmeTestServer, type AcmeTestServer } from "./acme-server.js";

const loopback: LookupFunction = (_host, options, callback) => dnsLookup("127.0.0.1", { ...options, family: 4 }, callback);
const CAA_ERROR = "urn:ietf:params:acme:error:caa";
const US = "pki.certeasy.test";
const HOUR = 3_600_000;

type ChallengeType = "http-01" | "dns-01";

/** The server's clock: the system's plus what a test moved it forward by. */
let clockOffsetMs = 0;
let server: AcmeTestServer;
let plain: AcmeTestServer;

beforeAll(async () => {
  [server, plain] = await Promise.all([
    startAcmeTestServer({ acme: { caaIdentities: [US] }, clock: () => new Date(Date.now() + clockOffsetMs) }),
    startAcmeTestServer(),
  ]);
  // Both servers' certificates chain to their own roots: trust both.
  acme.axios.defaults.httpsAgent = new https.Agent({ ca: [server.rootPem, plain.rootPem], lookup: loopback });
});
afterAll(async () => {
  await Promise.all([server?.stop(), plain?.stop()]);
});

async function newClient(on: AcmeTestServer = server): Promise<acme.Client> {
  const client = new acme.Client({ directoryUrl: on.directoryUrl, accountKey: await acme.crypto.createPrivateEcdsaKey() });
  await client.createAccount({ termsOfServiceAgreed: true });
  return client;
}

/** Answer `type` for every pending authorization; the authorizations as the server then shows them. */
async function answer(client: acme.Client, on: AcmeTestServer, order: acme.Order, type: ChallengeType): Promise<acme.Authorization[]> {
  for (const authorization of await client.getAuthorizations(order)) {
    if (authorization.status !== "pending") continue;
    const challenge = authorization.challenges.find((c) => c.type === type);
    if (!challenge) throw new Error(`no ${type} challenge offered for ${authorization.identifier.value}`);
    const keyAuthorization = await client.getChallengeKeyAuthorization(challenge);
    if (type === "http-01") on.http01.set(challenge.token, keyAuthorization);
    else on.dns.setTxt(`_acme-challenge.${authorization.identifier.value}`, [keyAuthorization]);
    await client.completeChallenge(challenge);
    await client.waitForValidStatus(challenge).catch(() => undefined);
  }
  return client.getAuthorizations(order);
}

/** The error of the challenge of `type` in the only authorization of the order. */
async function challengeErrorOf(client: acme.Client, on: AcmeTestServer, names: string[], type: ChallengeType) {
  const order = await client.createOrder({ identifiers: names.map((value) => ({ type: "dns", value })) });
  const [authorization] = await answer(client, on, order, type);
  const challenge = authorization?.challenges.find((c) => c.type === type);
  return { authorization, error: (challenge as { error?: { type: string; detail: string } } | undefined)?.error };
}

async function finalize(client: acme.Client, order: acme.Order, names: string[]): Promise<acme.Order> {
  const [, csr] = await acme.crypto.createCsr({ altNames: names }, await acme.crypto.createPrivateEcdsaKey());
  return client.finalizeOrder(order, csr);
}

/** A certificate for `names`, validated by `type`. */
async function issue(client: acme.Client, on: AcmeTestServer, names: string[], type: ChallengeType): Promise<X509Certificate> {
  const order = await client.createOrder({ identifiers: names.map((value) => ({ type: "dns", value })) });
  await answer(client, on, order, type);
  const valid = await client.waitForValidStatus(await finalize(client, order, names));
  const pem = await client.getCertificate(valid);
  return new X509Certificate(pem.slice(0, pem.indexOf("-----END CERTIFICATE-----") + 25));
}

/** RFC 8555 §7.1.1: the directory's `meta`. */
async function directoryMeta(on: AcmeTestServer): Promise<Record<string, unknown>> {
  const response = await acme.axios.get<{ meta?: Record<string, unknown> }>(on.directoryUrl);
  return response.data.meta ?? {};
}

describe("CAA at validation (caa-identities set)", () => {
  it("makes the authorization invalid with a caa error when the records name another CA", async () => {
    server.dns.setCaa("refused.caa.test", [{ flags: 0, tag: "issue", value: "other-ca.test" }]);
    const { authorization, error } = await challengeErrorOf(await newClient(), server, ["refused.caa.test"], "http-01");
    expect(authorization?.status).toBe("invalid");
    expect(error).toEqual({
      type: CAA_ERROR,
      status: 403,
      detail: `CAA records for refused.caa.test allow only other-ca.test to issue, not ${US}`,
    });
  });

  it("issues when the records name this server's identity", async () => {
    server.dns.setCaa("allowed.caa.test", [{ flags: 0, tag: "issue", value: US }]);
    const leaf = await issue(await newClient(), server, ["allowed.caa.test"], "http-01");
    expect(leaf.checkHost("allowed.caa.test")).toBe("allowed.caa.test");
    expect(server.dns.queries.filter((q) => q.name === "allowed.caa.test").map((q) => q.type)).toContain("CAA");
  });

  it("refuses a child name by the records of its parent (the search climbs, RFC 8659 §3)", async () => {
    server.dns.setCaa("parent.test", [{ flags: 0, tag: "issue", value: "other-ca.test" }]);
    const { error } = await challengeErrorOf(await newClient(), server, ["www.shop.parent.test"], "http-01");
    expect(error).toEqual({
      type: CAA_ERROR,
      status: 403,
      detail: `CAA records for www.shop.parent.test (published at parent.test) allow only other-ca.test to issue, not ${US}`,
    });
  });

  it('refuses a wildcard under issuewild ";" and issues for the name itself', async () => {
    server.dns.setCaa("wild.caa.test", [{ flags: 0, tag: "issuewild", value: ";" }]);
    const client = await newClient();
    const { authorization, error } = await challengeErrorOf(client, server, ["*.wild.caa.test"], "dns-01");
    expect(authorization?.wildcard).toBe(true);
    expect(error?.type).toBe(CAA_ERROR);
    expect(error?.detail).toBe('CAA records for *.wild.caa.test (published at wild.caa.test) allow no certificate authority to issue wildcard certificates (issuewild ";")');
    const leaf = await issue(client, server, ["wild.caa.test"], "dns-01");
    expect(leaf.checkHost("wild.caa.test")).toBe("wild.caa.test");
  });

  it("refuses an account an accounturi does not name, and issues to the one it names (RFC 8657 §3)", async () => {
    const named = await newClient();
    const other = await newClient();
    server.dns.setCaa("bound.caa.test", [{ flags: 0, tag: "issue", value: `${US}; accounturi=${named.getAccountUrl()}` }]);
    const { error } = await challengeErrorOf(other, server, ["bound.caa.test"], "http-01");
    expect(error).toEqual({
      type: CAA_ERROR,
      status: 403,
      detail: `CAA records for bound.caa.test allow ${US} to issue only to the ACME account "${named.getAccountUrl()}", and this request comes from ${other.getAccountUrl()}`,
    });
    expect((await issue(named, server, ["bound.caa.test"], "http-01")).checkHost("bound.caa.test")).toBe("bound.caa.test");
  });

  it("refuses an http-01 validation where validationmethods lists dns-01 only (RFC 8657 §4)", async () => {
    server.dns.setCaa("methods.caa.test", [{ flags: 0, tag: "issue", value: `${US}; validationmethods=dns-01` }]);
    const client = await newClient();
    const { error } = await challengeErrorOf(client, server, ["methods.caa.test"], "http-01");
    expect(error).toEqual({
      type: CAA_ERROR,
      status: 403,
      detail: `CAA records for methods.caa.test allow ${US} to issue only after validation by dns-01, and this name was validated by http-01`,
    });
    expect((await issue(client, server, ["methods.caa.test"], "dns-01")).checkHost("methods.caa.test")).toBe("methods.caa.test");
  });
});

describe("CAA at finalization, once the validation's result is older than 8 hours", () => {
  it("checks a reused authorization again and makes the order invalid when the records changed", async () => {
    const client = await newClient();
    server.dns.setCaa("renewed.caa.test", [{ flags: 0, tag: "issue", value: US }]);
    await issue(client, server, ["renewed.caa.test"], "http-01");
    // The owner moves to another CA. Within 8 hours, the result of the validation still stands.
    server.dns.setCaa("renewed.caa.test", [{ flags: 0, tag: "issue", value: "other-ca.test" }]);
    clockOffsetMs += 7 * HOUR;
    const within = await client.createOrder({ identifiers: [{ type: "dns", value: "renewed.caa.test" }] });
    expect(within.status).toBe("ready");
    const beforeWindow = server.dns.queries.length;
    expect((await client.waitForValidStatus(await finalize(client, within, ["renewed.caa.test"]))).status).toBe("valid");
    expect(server.dns.queries.slice(beforeWindow).filter((q) => q.type === "CAA")).toEqual([]);

    // Past 8 hours, the reused authorization is checked again before the CSR goes to the CA.
    clockOffsetMs += 2 * HOUR;
    const after = await client.createOrder({ identifiers: [{ type: "dns", value: "renewed.caa.test" }] });
    expect(after.status).toBe("ready");
    const refused = await finalize(client, after, ["renewed.caa.test"]);
    const detail = `CAA records for renewed.caa.test allow only other-ca.test to issue, not ${US}`;
    expect(refused.status).toBe("invalid");
    expect(refused.error).toEqual({
      type: CAA_ERROR,
      status: 403,
      detail,
      subproblems: [{ type: CAA_ERROR, detail, identifier: { type: "dns", value: "renewed.caa.test" } }],
    });
    expect(refused.certificate).toBeUndefined();
    expect((await client.getOrder(after)).status).toBe("invalid");
  });

  it("refuses the finalize with 503 dns and Retry-After, leaving the order ready, when the CAA lookup fails", async () => {
    const client = await newClient();
    const order = await client.createOrder({ identifiers: [{ type: "dns", value: "flaky.caa.test" }] });
    await answer(client, server, order, "http-01");
    clockOffsetMs += 9 * HOUR;
    server.dns.setFault("flaky.caa.test", "servfail");
    // acme-client would wait out Retry-After and try again by itself: see the first answer instead.
    type Seen = { readonly status: number; readonly headers: Record<string, unknown>; readonly data: unknown; readonly config: { readonly url?: string } };
    const answers: { status: number; retryAfter: unknown; body: unknown }[] = [];
    const note = (response: Seen): void => {
      if (response.config.url?.endsWith("/finalize")) answers.push({ status: response.status, retryAfter: response.headers["retry-after"], body: response.data });
    };
    const settings = (acme.axios.defaults as unknown as { acmeSettings: { retryMaxAttempts: number } }).acmeSettings;
    const retries = settings.retryMaxAttempts;
    settings.retryMaxAttempts = 0;
    const seen = acme.axios.interceptors.response.use(
      (response) => {
        note(response as Seen);
        return response;
      },
      (error: { response?: Seen }) => {
        if (error.response) note(error.response);
        return Promise.reject(error as Error);
      },
    );
    try {
      await expect(finalize(client, order, ["flaky.caa.test"])).rejects.toThrow(/SERVFAIL/);
    } finally {
      acme.axios.interceptors.response.eject(seen);
      settings.retryMaxAttempts = retries;
    }
    expect(answers).toEqual([
      {
        status: 503,
        retryAfter: "10",
        body: {
          type: "urn:ietf:params:acme:error:dns",
          status: 503,
          detail:
            "Checking CAA for flaky.caa.test: looking up CAA records at flaky.caa.test: the DNS server failed to answer (SERVFAIL). The order is still ready: finalize it again later.",
        },
      },
    ]);
    expect((await client.getOrder(order)).status).toBe("ready");
    // Once the DNS answers again, the same order is finalized.
    server.dns.clear("flaky.caa.test");
    expect((await client.waitForValidStatus(await finalize(client, order, ["flaky.caa.test"]))).status).toBe("valid");
  });
});

describe("CAA switched on for a server that validated without it", () => {
  it("checks at finalization an authorization validated before the restart, however recent", async () => {
    const workdir = await mkdtemp(join(tmpdir(), "certeasy-caa-restart-"));
    const agent = acme.axios.defaults.httpsAgent as unknown;
    try {
      const before = await startAcmeTestServer({ workdir });
      acme.axios.defaults.httpsAgent = new https.Agent({ ca: [before.rootPem], lookup: loopback });
      const accountKey = await acme.crypto.createPrivateEcdsaKey();
      const name = "enabled-later.caa.test";
      try {
        const client = new acme.Client({ directoryUrl: before.directoryUrl, accountKey });
        await client.createAccount({ termsOfServiceAgreed: true });
        await issue(client, before, [name], "http-01");
      } finally {
        await before.stop();
      }

      // Restarted on the same database with CAA enforced; the name's owner allows another CA only.
      const after = await startAcmeTestServer({ workdir, acme: { caaIdentities: [US] } });
      try {
        after.dns.setCaa(name, [{ flags: 0, tag: "issue", value: "other-ca.test" }]);
        const client = new acme.Client({ directoryUrl: after.directoryUrl, accountKey });
        await client.createAccount({ onlyReturnExisting: true });
        const order = await client.createOrder({ identifiers: [{ type: "dns", value: name }] });
        // The authorization validated minutes ago is reused, but its validation looked at no CAA.
        expect(order.status).toBe("ready");
        const refused = await finalize(client, order, [name]);
        expect(refused.status).toBe("invalid");
        expect(refused.error).toMatchObject({ type: CAA_ERROR, status: 403, detail: `CAA records for ${name} allow only other-ca.test to issue, not ${US}` });
        expect(after.dns.queries.filter((q) => q.type === "CAA" && q.name === name).length).toBeGreaterThan(0);
      } finally {
        await after.stop();
      }
    } finally {
      acme.axios.defaults.httpsAgent = agent;
      await rm(workdir, { recursive: true, force: true });
    }
  });
});

describe("without caa-identities", () => {
  it("issues whatever the records say, and never asks for CAA", async () => {
    plain.dns.setCaa("ignored.caa.test", [{ flags: 0, tag: "issue", value: "other-ca.test" }]);
    plain.dns.setCaa("test", [{ flags: 128, tag: "tbs", value: "unknown" }]);
    const leaf = await issue(await newClient(plain), plain, ["ignored.caa.test"], "http-01");
    expect(leaf.checkHost("ignored.caa.test")).toBe("ignored.caa.test");
    expect(plain.dns.queries.filter((q) => q.type === "CAA")).toEqual([]);
  });

  it("advertises no caaIdentities, while a server that enforces them advertises them", async () => {
    expect(await directoryMeta(plain)).not.toHaveProperty("caaIdentities");
    expect(await directoryMeta(server)).toMatchObject({ caaIdentities: [US] });
  });
});
