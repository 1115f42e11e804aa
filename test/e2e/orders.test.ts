/**
 * Certificates end to end with a real ACME client (npm `acme-client`) over HTTPS: new order,
 * each challenge type answered by a loopback responder the validator really connects to,
 * finalize, download, revocation and renewal information — the flow certbot and lego follow.
 */
import { X509Certificate, createPrivateKey, createPublicKey } from "node:crypto";
import { lookup as dnsLookup } from "node:dns";
import { readFile } from "node:fs/promises";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { join } from "node:path";
import * as acme from "acme-client";
import { FlattenedSign, exportJWK, exportPKCS8 } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAcmeTestServer, type AcmeTestServer } from "./acme-server.js";
import { opensslCommonNameCsr, opensslCrlText, opensslVerifyChain } from "./openssl-checks.js";
import { RawAcmeConnection, linkFieldLines } from "./raw-acme.js";
import { accountKey } from "../acme/jws-fixtures.js";
import { parseExposition, valueOf, type Sample } from "../observability/exposition.js";

const loopback: LookupFunction = (_host, options, callback) => dnsLookup("127.0.0.1", { ...options, family: 4 }, callback);

let server: AcmeTestServer;
let agent: https.Agent;

beforeAll(async () => {
  server = await startAcmeTestServer();
  agent = new https.Agent({ ca: server.rootPem, lookup: loopback });
  acme.axios.defaults.httpsAgent = agent;
});
afterAll(async () => server?.stop());

async function newClient(): Promise<acme.Client> {
  const client = new acme.Client({ directoryUrl: server.directoryUrl, accountKey: await acme.crypto.createPrivateEcdsaKey() });
  await client.createAccount({ termsOfServiceAgreed: true });
  return client;
}

type ChallengeType = "http-01" | "dns-01" | "tls-alpn-01";

/** Answer `type` for every authorization of the order with the loopback responders. */
async function answerChallenges(client: acme.Client, order: acme.Order, type: ChallengeType): Promise<void> {
  for (const authorization of await client.getAuthorizations(order)) {
    const challenge = authorization.challenges.find((c) => c.type === type);
    if (!challenge) throw new Error(`no ${type} challenge offered for ${authorization.identifier.value}`);
    const keyAuthorization = await client.getChallengeKeyAuthorization(challenge);
    if (type === "http-01") server.http01.set(challenge.token, keyAuthorization);
    if (type === "dns-01") server.dns.setTxt(`_acme-challenge.${authorization.identifier.value}`, [keyAuthorization]);
    if (type === "tls-alpn-01") await server.tlsAlpn01.set(authorization.identifier.value, keyAuthorization);
    await client.completeChallenge(challenge);
    await client.waitForValidStatus(challenge);
  }
}

async function issue(client: acme.Client, identifiers: { type: "dns" | "ip"; value: string }[], type: ChallengeType): Promise<{ order: acme.Order; pem: string; keyPem: Buffer }> {
  const order = await client.createOrder({ identifiers });
  await answerChallenges(client, order, type);
  const keyPem = await acme.crypto.createPrivateEcdsaKey();
  const [, csr] = await acme.crypto.createCsr({ altNames: identifiers.map((i) => i.value) }, keyPem);
  const finalized = await client.finalizeOrder(order, csr);
  const valid = await client.waitForValidStatus(finalized);
  return { order: valid, pem: await client.getCertificate(valid), keyPem };
}

function leafOf(chainPem: string): X509Certificate {
  return new X509Certificate(chainPem.slice(0, chainPem.indexOf("-----END CERTIFICATE-----") + 25));
}

describe("issuance with acme-client", () => {
  it("issues for a DNS name through http-01, with a chain that verifies up to the local CA", async () => {
    const client = await newClient();
    const { order, pem } = await issue(client, [{ type: "dns", value: "www.shop.test" }], "http-01");
    expect(order.status).toBe("valid");
    const chain = pem.split(/(?<=-----END CERTIFICATE-----)\s*/).filter((p) => p.includes("BEGIN"));
    expect(chain.length).toBeGreaterThanOrEqual(2);
    const [leaf, issuer] = chain.map((p) => new X509Certificate(p));
    expect(leaf?.checkHost("www.shop.test")).toBe("www.shop.test");
    expect(leaf && issuer && leaf.verify(issuer.publicKey)).toBe(true);
    expect(await opensslVerifyChain(pem, server.rootPem)).toMatchObject({ status: 0, output: expect.stringContaining(": OK") });
    // Reference §2.3: SAN only, no subject.
    expect(leaf?.subject ?? "").toBe("");
    // The validator fetched the token over HTTP with the right Host header.
    expect(server.http01.requests.some((r) => r.host?.startsWith("www.shop.test"))).toBe(true);
  });

  it("issues a wildcard through dns-01, and offers a wildcard nothing but dns-01", async () => {
    const client = await newClient();
    const order = await client.createOrder({ identifiers: [{ type: "dns", value: "*.wild.test" }, { type: "dns", value: "wild.test" }] });
    const authorizations = await client.getAuthorizations(order);
    const wildcard = authorizations.find((a) => a.wildcard === true);
    expect(wildcard?.identifier.value).toBe("wild.test");
    expect(wildcard?.challenges.map((c) => c.type)).toEqual(["dns-01"]);
    const { pem } = await issue(client, [{ type: "dns", value: "*.wild.test" }, { type: "dns", value: "wild.test" }], "dns-01");
    const leaf = leafOf(pem);
    expect(leaf.subjectAltName).toContain("DNS:*.wild.test");
    expect(leaf.checkHost("any.wild.test")).toBe("*.wild.test");
  });

  it("issues through tls-alpn-01", async () => {
    const client = await newClient();
    const { pem } = await issue(client, [{ type: "dns", value: "alpn.test" }], "tls-alpn-01");
    expect(leafOf(pem).checkHost("alpn.test")).toBe("alpn.test");
  });

  it("issues for an IP address (RFC 8738) through http-01", async () => {
    const client = await newClient();
    const order = await client.createOrder({ identifiers: [{ type: "ip", value: "127.0.0.1" }] });
    const [authorization] = await client.getAuthorizations(order);
    expect(authorization?.challenges.map((c) => c.type).sort()).toEqual(["http-01", "tls-alpn-01"]);
    await answerChallenges(client, order, "http-01");
    const keyPem = await acme.crypto.createPrivateEcdsaKey();
    const [, csr] = await acme.crypto.createCsr({ altNames: ["127.0.0.1"] }, keyPem);
    const valid = await client.waitForValidStatus(await client.finalizeOrder(order, csr));
    expect(leafOf(await client.getCertificate(valid)).checkIP("127.0.0.1")).toBe("127.0.0.1");
  });

  it("marks the challenge, authorization and order invalid when the response is wrong", async () => {
    const client = await newClient();
    const order = await client.createOrder({ identifiers: [{ type: "dns", value: "wrong.test" }] });
    const [authorization] = await client.getAuthorizations(order);
    const challenge = authorization?.challenges.find((c) => c.type === "http-01");
    if (!challenge) throw new Error("no http-01");
    server.http01.set(challenge.token, "not-the-key-authorization");
    await client.completeChallenge(challenge);
    await expect(client.waitForValidStatus(challenge)).rejects.toThrow(/incorrectResponse|not-the-key-authorization/);
    const after = await client.getOrder(order);
    expect(after.status).toBe("invalid");
    // The challenge's error is a whole RFC 7807 problem, status included (Caddy prints it).
    const [failed] = await client.getAuthorizations(order);
    const error = failed?.challenges.find((c) => c.type === "http-01")?.error as { type?: string; status?: number } | undefined;
    expect(error).toMatchObject({ type: "urn:ietf:params:acme:error:incorrectResponse", status: 400 });
  });

  it("reuses a valid authorization: the second order for the same name is ready at once", async () => {
    const client = await newClient();
    await issue(client, [{ type: "dns", value: "reuse.test" }], "http-01");
    const again = await client.createOrder({ identifiers: [{ type: "dns", value: "reuse.test" }] });
    expect(again.status).toBe("ready");
  });

  it("refuses to finalize an order that is not ready, and a CSR that does not match the order", async () => {
    const client = await newClient();
    const order = await client.createOrder({ identifiers: [{ type: "dns", value: "early.test" }] });
    const [, csr] = await acme.crypto.createCsr({ altNames: ["early.test"] }, await acme.crypto.createPrivateEcdsaKey());
    await expect(client.finalizeOrder(order, csr)).rejects.toThrow(/cannot be finalized: its authorizations are not all valid yet/);
    await answerChallenges(client, order, "http-01");
    const [, wrong] = await acme.crypto.createCsr({ altNames: ["early.test", "other.test"] }, await acme.crypto.createPrivateEcdsaKey());
    await expect(client.finalizeOrder(order, wrong)).rejects.toThrow(/other\.test/);
  });

  it("issues from a CSR that names its one DNS name only in the CN, putting the name in the certificate's subjectAltName (RFC 8555 §7.4)", async () => {
    const client = await newClient();
    const order = await client.createOrder({ identifiers: [{ type: "dns", value: "cn-only.test" }] });
    await answerChallenges(client, order, "http-01");
    const csr = await opensslCommonNameCsr(await acme.crypto.createPrivateEcdsaKey(), "cn-only.test");
    expect(csr.text).toContain("CN = cn-only.test");
    expect(csr.text).not.toContain("Subject Alternative Name");
    const valid = await client.waitForValidStatus(await client.finalizeOrder(order, csr.pem));
    const leaf = leafOf(await client.getCertificate(valid));
    expect(leaf.subjectAltName).toBe("DNS:cn-only.test");
    // Reference §2.3: the embedded CA writes SAN only, whatever the CSR's subject said.
    expect(leaf.subject ?? "").toBe("");
  });

  it("revokes with the account key, then refuses a second revocation", async () => {
    const client = await newClient();
    const { pem } = await issue(client, [{ type: "dns", value: "revoke.test" }], "http-01");
    await client.revokeCertificate(pem, { reason: 4 });
    await expect(client.revokeCertificate(pem)).rejects.toThrow(/already revoked/i);
    // The CRL the leaf's distribution point names — its shard's — lists the serial once
    // propagation (after the answer) has run.
    const distributionPoint = /https?:\/\/[!-~]*?\/crl\/local\/(\d+)\.crl/.exec(leafOf(pem).raw.toString("latin1"));
    expect(distributionPoint?.[0].startsWith(server.baseUrl)).toBe(true);
    const crlUrl = `${server.baseUrl}crl/local/${distributionPoint?.[1]}.crl`;
    const served = await request(crlUrl);
    expect(served.headers["content-type"]).toBe("application/pkix-crl");
    expect(served.headers["cache-control"]).toBe("max-age=300");
    expect((await request(`${server.baseUrl}crl/local/0${distributionPoint?.[1]}.crl`)).status).toBe(404);
    // Every shard (16 by default) and the legacy CRL are served alike; no seventeenth shard.
    for (const path of [...Array.from({ length: 16 }, (_, shard) => `crl/local/${shard}.crl`), "crl/local.crl"]) {
      const response = await request(`${server.baseUrl}${path}`);
      expect([path, response.status, response.headers["content-type"]]).toEqual([path, 200, "application/pkix-crl"]);
    }
    expect((await request(`${server.baseUrl}crl/local/16.crl`)).status).toBe(404);
    expect((await request(`${server.baseUrl}crl/other/0.crl`)).status).toBe(404);
    const serial = Buffer.from(leafOf(pem).serialNumber, "hex");
    await expect.poll(async () => (await fetchBytes(crlUrl)).includes(serial), { timeout: 10_000 }).toBe(true);
    // openssl checks the served CRL's signature, finds the serial and its reason, and then refuses the chain.
    const crl = await fetchBytes(crlUrl);
    const issuingPem = pem.slice(pem.indexOf("-----END CERTIFICATE-----") + 25).trim();
    const listed = await opensslCrlText(crl, issuingPem);
    expect(listed.verified).toBe(true);
    expect(listed.text.replace(/:/g, "").toUpperCase()).toContain(leafOf(pem).serialNumber.toUpperCase());
    expect(listed.text).toContain("Superseded");
    const checked = await opensslVerifyChain(pem, server.rootPem, crl);
    expect(checked.status).not.toBe(0);
    expect(checked.output).toContain("certificate revoked");
    const published = (await server.core.dialect.readAll(0, 100_000)).filter((e) => e.eventType === "acme.revocation.published");
    expect(published.map((e) => JSON.parse(e.body).data)).toContainEqual(expect.objectContaining({ authority: "local", attempt: 1 }));
    // The CA was told the certificate's notAfter, so it can drop the entry once it expires (RFC 5280 §3.3).
    const journal = await readFile(join(server.workdir, "local-ca", "revoked.journal"), "utf8");
    const notAfter = new Date(leafOf(pem).validTo).toISOString();
    expect(journal).toContain(`"notAfter":"${notAfter}"`);
  });

  it("revokes with the certificate's own key (JWS with jwk), and refuses reason 7", async () => {
    const client = await newClient();
    const { pem, keyPem } = await issue(client, [{ type: "dns", value: "keyrevoke.test" }], "http-01");
    const der = leafOf(pem).raw.toString("base64url");
    const badReason = await signedWithKey(keyPem, "revoke-cert", { certificate: der, reason: 7 });
    expect(badReason.status).toBe(400);
    expect(badReason.body).toContain("badRevocationReason");
    const revoked = await signedWithKey(keyPem, "revoke-cert", { certificate: der, reason: 1 });
    expect(revoked.status).toBe(200);
  });

  it("refuses revocation by an unrelated account", async () => {
    const owner = await newClient();
    const { pem } = await issue(owner, [{ type: "dns", value: "mine.test" }], "http-01");
    const stranger = await newClient();
    await expect(stranger.revokeCertificate(pem)).rejects.toThrow(/unauthorized|neither/i);
  });

  it("lets another account that holds valid authorizations for every name revoke (RFC 8555 §7.6)", async () => {
    const owner = await newClient();
    const { pem } = await issue(owner, [{ type: "dns", value: "*.shared.test" }, { type: "dns", value: "shared.test" }], "dns-01");
    const other = await newClient();
    const order = await other.createOrder({ identifiers: [{ type: "dns", value: "*.shared.test" }, { type: "dns", value: "shared.test" }] });
    await answerChallenges(other, order, "dns-01");
    await other.revokeCertificate(pem, { reason: 1 });
    await expect(owner.revokeCertificate(pem)).rejects.toThrow(/already revoked/i);
  });

  it("answers renewal information (RFC 9773) and collapses the window once revoked", async () => {
    const client = await newClient();
    const { pem } = await issue(client, [{ type: "dns", value: "ari.test" }], "http-01");
    const leaf = leafOf(pem);
    const certId = await certIdOf(leaf);
    const before = await fetchJson(`${server.baseUrl}acme/renewal-info/${certId}`);
    const start = Date.parse(before.body.suggestedWindow.start);
    const notBefore = Date.parse(leaf.validFrom);
    const notAfter = Date.parse(leaf.validTo);
    expect(start).toBeGreaterThan(notBefore + (notAfter - notBefore) * 0.6);
    expect(Date.parse(before.body.suggestedWindow.end)).toBeLessThanOrEqual(notAfter);
    expect(Number(before.headers["retry-after"])).toBe(6 * 3600);
    await client.revokeCertificate(pem);
    const after = await fetchJson(`${server.baseUrl}acme/renewal-info/${certId}`);
    expect(Date.parse(after.body.suggestedWindow.start)).toBeLessThanOrEqual(Date.now());
    expect((await fetchJson(`${server.baseUrl}acme/renewal-info/AAAA.AAAA`)).status).toBe(404);
  });

  it("lists the account's orders", async () => {
    const client = await newClient();
    const first = await client.createOrder({ identifiers: [{ type: "dns", value: "list-a.test" }] });
    const second = await client.createOrder({ identifiers: [{ type: "dns", value: "list-b.test" }] });
    const accountUrl = client.getAccountUrl();
    // acme-client has no call for the orders list (RFC 8555 §7.1.2.1); its signed-request layer does.
    const api = (client as unknown as { api: { apiRequest(url: string, payload: null, codes: number[]): Promise<{ data: { orders: string[] } }> } }).api;
    const response = await api.apiRequest(`${accountUrl}/orders`, null, [200]);
    expect(response.data.orders).toEqual([first.url, second.url]);
  });

  it("offers an alternate chain that ends with the root (RFC 8555 §7.4.2)", async () => {
    const client = await newClient();
    const { order } = await issue(client, [{ type: "dns", value: "chains.test" }], "http-01");
    const api = (client as unknown as { api: { apiRequest(url: string, payload: null, codes: number[]): Promise<{ data: string; headers: Record<string, string> }> } }).api;
    const main = await api.apiRequest(order.certificate ?? "", null, [200]);
    expect(main.headers["content-type"]).toBe("application/pem-certificate-chain");
    expect(main.headers.link).toContain(`<${order.certificate}/1>;rel="alternate"`);
    const alternate = await api.apiRequest(`${order.certificate}/1`, null, [200]);
    expect(alternate.data.startsWith(main.data)).toBe(true);
    expect(alternate.data.slice(main.data.length)).toBe(server.rootPem);
  });

  it("sends each link in a Link field line of its own, as line-reading clients such as uacme need (RFC 8555 §7.4.2)", async () => {
    // uacme and acme.sh find `Link: <url>;rel="alternate"` one header line at a time; a single
    // line `<index>;rel="index", <alt>;rel="alternate"` gives them the URL `index>;rel="index", <alt`.
    const key = await accountKey("ES256");
    const client = new acme.Client({ directoryUrl: server.directoryUrl, accountKey: await exportPKCS8(key.privateKey) });
    await client.createAccount({ termsOfServiceAgreed: true });
    const { order } = await issue(client, [{ type: "dns", value: "link-lines.test" }], "http-01");
    const [authorization] = await client.getAuthorizations(order);
    const challengeUrl = authorization?.challenges.find((c) => c.type === "http-01")?.url ?? "";
    const raw = new RawAcmeConnection(server.baseUrl, server.rootPem);
    try {
      const certificate = await raw.post(order.certificate ?? "", key, undefined, client.getAccountUrl());
      const challenge = await raw.post(challengeUrl, key, undefined, client.getAccountUrl());
      const index = `<${server.directoryUrl}>;rel="index"`;
      expect(certificate.status).toBe(200);
      expect(linkFieldLines(certificate)).toEqual([index, `<${order.certificate}/1>;rel="alternate"`]);
      expect(challenge.status).toBe(200);
      expect(linkFieldLines(challenge)).toEqual([index, `<${authorization?.url}>;rel="up"`]);
    } finally {
      raw.close();
    }
  });

  it("tells when to read a pending authorization again, and says nothing once it is valid (RFC 8555 §7.5.1)", async () => {
    // acmetool reads each authorization before answering it and keeps that read's Retry-After
    // (10 s when there is none) for its first poll after the answer.
    const key = await accountKey("ES256");
    const client = new acme.Client({ directoryUrl: server.directoryUrl, accountKey: await exportPKCS8(key.privateKey) });
    await client.createAccount({ termsOfServiceAgreed: true });
    const order = await client.createOrder({ identifiers: [{ type: "dns", value: "retry-after.test" }] });
    const [authorization] = await client.getAuthorizations(order);
    const raw = new RawAcmeConnection(server.baseUrl, server.rootPem);
    try {
      const pending = await raw.post(authorization?.url ?? "", key, undefined, client.getAccountUrl());
      expect([pending.status, pending.headers["retry-after"]]).toEqual([200, "1"]);
      await answerChallenges(client, order, "http-01");
      const valid = await raw.post(authorization?.url ?? "", key, undefined, client.getAccountUrl());
      expect(valid.status).toBe(200);
      expect(valid.headers["retry-after"]).toBeUndefined();
    } finally {
      raw.close();
    }
  });

  it("deactivates an authorization, which invalidates its pending order", async () => {
    const client = await newClient();
    const order = await client.createOrder({ identifiers: [{ type: "dns", value: "deactivate.test" }] });
    const [authorization] = await client.getAuthorizations(order);
    if (!authorization) throw new Error("no authorization");
    const deactivated = await client.deactivateAuthorization(authorization);
    expect(deactivated.status).toBe("deactivated");
    expect((await client.getOrder(order)).status).toBe("invalid");
  });

  it("counts validations, order transitions, issuance time and CA health in /metrics", async () => {
    const client = await newClient();
    await issue(client, [{ type: "dns", value: "metrics.test" }], "http-01");
    const metrics = (await request(`${server.baseUrl}metrics`)).body.toString();
    const sample = (name: string): number => Number(new RegExp(`^${name.replace(/[{}"]/g, "\\$&")} (\\S+)$`, "m").exec(metrics)?.[1] ?? "NaN");
    expect(sample('certeasy_challenge_validations_total{type="http-01",outcome="valid"}')).toBeGreaterThanOrEqual(1);
    expect(sample('certeasy_order_transitions_total{status="valid"}')).toBeGreaterThanOrEqual(1);
    expect(sample("certeasy_issuance_duration_seconds_count")).toBeGreaterThanOrEqual(1);
    expect(sample('certeasy_authority_healthy{authority="local"}')).toBe(1);
  });

  it("shows orders by status and timed authority calls in /metrics", async () => {
    const scrape = async (): Promise<Sample[]> => parseExposition((await request(`${server.baseUrl}metrics`)).body.toString());
    const orders = (samples: Sample[], status: string): number => valueOf(samples, "certeasy_orders", { status }) ?? NaN;
    const submits = (samples: Sample[]): number =>
      valueOf(samples, "certeasy_authority_call_duration_seconds_count", { authority: "local", operation: "submit", outcome: "issued" }) ?? 0;
    const before = await scrape();

    const client = await newClient();
    await client.createOrder({ identifiers: [{ type: "dns", value: "waiting-1.metrics.test" }] });
    await client.createOrder({ identifiers: [{ type: "dns", value: "waiting-2.metrics.test" }] });
    await issue(client, [{ type: "dns", value: "issued.metrics.test" }], "dns-01");
    const after = await scrape();

    // Other tests of this file share the server: compare with the scrape before.
    expect(orders(after, "pending") - orders(before, "pending")).toBe(2);
    expect(orders(after, "valid") - orders(before, "valid")).toBe(1);
    expect(orders(after, "ready") - orders(before, "ready")).toBe(0);
    expect(orders(after, "processing")).toBe(0);
    const stored = await server.core.dialect.readProjection("acme_orders");
    expect(["pending", "ready", "processing", "valid", "invalid"].reduce((sum, status) => sum + orders(after, status), 0)).toBe(stored.length);
    const counted = await server.core.dialect.countOrdersByStatus(new Date());
    for (const status of ["pending", "ready", "processing", "valid", "invalid"] as const) expect(orders(after, status), status).toBe(counted[status]);

    // The counts come from memory: a scrape asks the database nothing, however many orders it
    // holds. Lease renewal and the heartbeat run on their own timers and may land in between.
    const dialect = server.core.dialect as unknown as Record<string, unknown>;
    const asked: string[] = [];
    const originals = Object.entries(dialect).filter((entry): entry is [string, (...args: unknown[]) => unknown] => typeof entry[1] === "function");
    for (const [name, method] of originals) {
      dialect[name] = (...args: unknown[]) => {
        asked.push(name);
        return method.apply(server.core.dialect, args);
      };
    }
    try {
      expect(orders(await scrape(), "valid")).toBe(counted.valid);
    } finally {
      for (const [name, method] of originals) dialect[name] = method;
    }
    expect(asked.filter((name) => !["renewLease", "readLease", "touchServer", "head", "ping"].includes(name))).toEqual([]);

    // The embedded CA signed one more certificate, and its start-up health probe was timed.
    expect(submits(after) - submits(before)).toBe(1);
    expect(valueOf(after, "certeasy_authority_call_duration_seconds_sum", { authority: "local", operation: "submit", outcome: "issued" })).toBeGreaterThan(0);
    expect(valueOf(after, "certeasy_authority_call_duration_seconds_count", { authority: "local", operation: "health", outcome: "healthy" })).toBeGreaterThanOrEqual(1);
  });

  it("keeps another account's objects invisible", async () => {
    const owner = await newClient();
    const order = await owner.createOrder({ identifiers: [{ type: "dns", value: "private.test" }] });
    const stranger = await newClient();
    await expect(stranger.getOrder(order)).rejects.toThrow(/No such order/);
    await expect(stranger.getAuthorizations(order)).rejects.toThrow(/No such authorization/);
  });
});

// ---- raw helpers ------------------------------------------------------------------------------

interface RawResponse<T = string> {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: T;
}

function request(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<RawResponse<Buffer>> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: init.method ?? "GET", agent, headers: init.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end(init.body);
  });
}

async function fetchBytes(url: string): Promise<Buffer> {
  const response = await request(url);
  expect(response.status).toBe(200);
  return response.body;
}

async function fetchJson(url: string): Promise<RawResponse<{ suggestedWindow: { start: string; end: string } }>> {
  const response = await request(url);
  return { ...response, body: response.status === 200 ? JSON.parse(response.body.toString()) : null };
}

/** RFC 8555 §7.6 with the certificate key: a `jwk` JWS built by hand (acme-client signs with the account key). */
async function signedWithKey(keyPem: Buffer, resource: string, payload: object): Promise<RawResponse<string>> {
  const nonceResponse = await request(`${server.baseUrl}acme/newNonce`, { method: "HEAD" });
  const nonce = String(nonceResponse.headers["replay-nonce"]);
  const privateKey = createPrivateKey(keyPem);
  const jwk = await exportJWK(createPublicKey(privateKey));
  const url = `${server.baseUrl}acme/${resource}`;
  const jws = await new FlattenedSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: "ES256", jwk, nonce, url })
    .sign(privateKey);
  const response = await request(url, { method: "POST", headers: { "content-type": "application/jose+json" }, body: JSON.stringify(jws) });
  return { ...response, body: response.body.toString() };
}

/** RFC 9773 §4.1 certID from the certificate's AKI extension and serial. */
async function certIdOf(leaf: X509Certificate): Promise<string> {
  const { X509Certificate: Peculiar, AuthorityKeyIdentifierExtension } = await import("@peculiar/x509");
  const parsed = new Peculiar(leaf.raw);
  const aki = parsed.getExtension(AuthorityKeyIdentifierExtension);
  if (!aki?.keyId) throw new Error("no AKI");
  return `${Buffer.from(aki.keyId, "hex").toString("base64url")}.${Buffer.from(normaliseSerial(leaf.serialNumber), "hex").toString("base64url")}`;
}

/** DER INTEGER content octets: a leading 00 when the top bit is set. */
function normaliseSerial(hex: string): string {
  const even = hex.length % 2 ? `0${hex}` : hex;
  return parseInt(even.slice(0, 2), 16) >= 0x80 ? `00${even}` : even;
}
