/**
 * Rate limits (reference §7) on a live server with a real client: a refusal is 429 `rateLimited`
 * with an exact Retry-After and a fresh nonce, it is recorded in the log for auditors, and the
 * limits that come from events are counted from the log.
 */
import { lookup as dnsLookup } from "node:dns";
import https from "node:https";
import type { LookupFunction } from "node:net";
import * as acme from "acme-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RateLimitConfig } from "../../src/config/index.js";
import { startAcmeTestServer, type AcmeTestServer } from "./acme-server.js";
import { parseExposition, valueOf } from "../observability/exposition.js";

const loopback: LookupFunction = (_host, options, callback) => dnsLookup("127.0.0.1", { ...options, family: 4 }, callback);
const HOUR = 3_600_000;

const limits: RateLimitConfig = {
  global: { enabled: true, requestsPerMinute: 6_000, burst: 1_000 },
  abuse: { enabled: true, abusesBeforeBlock: 1_000, recoveryPerMinute: 20 },
  accountCreation: { enabled: true, perIpPerHour: 3, burst: 3 },
  orderCreation: { enabled: true, ordersPerAccountPerHour: 2, orderBurst: 2, sanBudgetPerAccountPerHour: 100 },
  duplicateCertificate: { enabled: true, maxPerWindow: 5, windowMs: 168 * HOUR },
  failedValidation: { enabled: true, maxPerWindow: 5, windowMs: HOUR },
  pendingAuthorizations: { enabled: true, max: 30 },
  whitelist: [],
  ipv6PrefixLength: 64,
};

let server: AcmeTestServer;
let agent: https.Agent;
let retries: number;

/** acme-client's retry settings live on its axios defaults, outside its published types. */
const acmeSettings = (): { retryMaxAttempts: number } =>
  (acme.axios.defaults as unknown as { acmeSettings: { retryMaxAttempts: number } }).acmeSettings;

beforeAll(async () => {
  server = await startAcmeTestServer({ rateLimiting: limits });
  agent = new https.Agent({ ca: server.rootPem, lookup: loopback });
  acme.axios.defaults.httpsAgent = agent;
  // acme-client would wait out Retry-After (30 minutes here) and try again; the test wants the refusal.
  retries = acmeSettings().retryMaxAttempts;
  acmeSettings().retryMaxAttempts = 0;
});
afterAll(async () => {
  acmeSettings().retryMaxAttempts = retries;
  await server?.stop();
});

const newClient = async (): Promise<acme.Client> =>
  new acme.Client({ directoryUrl: server.directoryUrl, accountKey: await acme.crypto.createPrivateEcdsaKey() });

async function refusal(work: Promise<unknown>): Promise<string> {
  try {
    await work;
  } catch (error) {
    return String((error as Error).message);
  }
  throw new Error("expected a refusal");
}

describe("rate limits", () => {
  it("refuses the order past the account's burst with rateLimited, and records the refusal in the log", async () => {
    const client = await newClient();
    await client.createAccount({ termsOfServiceAgreed: true });
    await client.createOrder({ identifiers: [{ type: "dns", value: "one.limits.test" }] });
    await client.createOrder({ identifiers: [{ type: "dns", value: "two.limits.test" }] });
    expect(await refusal(client.createOrder({ identifiers: [{ type: "dns", value: "three.limits.test" }] }))).toMatch(/order/i);
    expect(await refusal(client.createOrder({ identifiers: [{ type: "dns", value: "four.limits.test" }] }))).toMatch(/order/i);

    const denied = await server.core.dialect.readStream("ratelimit:order-creation");
    expect(denied.length).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(denied[0]?.body ?? "{}").data).toMatchObject({ limit: "order-creation" });
    // The log records the refusal once per Retry-After period; /metrics counts both refusals.
    expect(denied).toHaveLength(1);
    expect(await deniedInMetrics("order-creation")).toBe(2);
  });

  it("answers 429 with Retry-After and a nonce, and limits new accounts per address", async () => {
    // Three accounts per hour from this address; one was made above.
    await (await newClient()).createAccount({ termsOfServiceAgreed: true });
    await (await newClient()).createAccount({ termsOfServiceAgreed: true });
    const raw = await rawNewAccount();
    expect(raw.status).toBe(429);
    expect(raw.headers["content-type"]).toBe("application/problem+json");
    expect(Number(raw.headers["retry-after"])).toBeGreaterThan(0);
    expect(raw.headers["replay-nonce"]).toBeTruthy();
    expect(JSON.parse(raw.body)).toMatchObject({ type: "urn:ietf:params:acme:error:rateLimited", status: 429 });
    expect(await deniedInMetrics("account-creation")).toBe(1);
  });
});

/** `certeasy_rate_limit_denials_total` of one limiter, as a scrape of /metrics shows it. */
async function deniedInMetrics(limiter: string): Promise<number | undefined> {
  const text = await new Promise<string>((resolve, reject) => {
    https
      .get(`${server.baseUrl}metrics`, { agent }, (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString()));
        res.on("end", () => resolve(body));
      })
      .on("error", reject);
  });
  return valueOf(parseExposition(text), "certeasy_rate_limit_denials_total", { limiter });
}

/** A newAccount signed by hand, to read the raw answer (status, headers, problem document). */
async function rawNewAccount(): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const { generateKeyPairSync } = await import("node:crypto");
  const { FlattenedSign, exportJWK } = await import("jose");
  const nonce = await new Promise<string>((resolve, reject) => {
    https.request(`${server.baseUrl}acme/newNonce`, { method: "HEAD", agent }, (res) => resolve(String(res.headers["replay-nonce"]))).on("error", reject).end();
  });
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const { kty, crv, x, y } = await exportJWK(privateKey);
  const publicJwk = { kty, crv, x, y };
  const url = `${server.baseUrl}acme/newAccount`;
  const jws = await new FlattenedSign(new TextEncoder().encode(JSON.stringify({ termsOfServiceAgreed: true })))
    .setProtectedHeader({ alg: "ES256", jwk: publicJwk, nonce, url })
    .sign(privateKey);
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: "POST", agent, headers: { "content-type": "application/jose+json" } }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end(JSON.stringify(jws));
  });
}
