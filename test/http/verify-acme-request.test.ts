/**
 * `verifyAcmeRequest(c)` behind the real app, through a route that exists only in this test:
 * nonces come from real responses, bodies are signed by jose, refusals are problem documents.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { AcmePublicJwk } from "../../src/acme/jws/public-jwk.js";
import { NonceService } from "../../src/acme/nonces/nonce-service.js";
import { createAcmeApp } from "../../src/http/app.js";
import { verifyAcmeRequest } from "../../src/http/verify-acme-request.js";
import { accountKey, b64u, hs256WithPublicKey, signedBody, type TestAccountKey } from "../acme/jws-fixtures.js";
import { silentLogger } from "./helpers.js";

const BASE = "https://acme.corp.internal";
const TEST_PATH = "/acme/test-only/echo";
const URL_ECHO = BASE + TEST_PATH;
const KID = `${BASE}/acme/acct/1`;
const JOSE = { "content-type": "application/jose+json" };

let es256: TestAccountKey;
let rs256: TestAccountKey;
let eddsa: TestAccountKey;

beforeAll(async () => {
  [es256, rs256, eddsa] = await Promise.all([accountKey("ES256"), accountKey("RS256"), accountKey("EdDSA")]);
});

function server(accounts: Record<string, AcmePublicJwk> = {}) {
  const a = createAcmeApp({
    serverUrls: [BASE, "https://acme-b.corp.internal:9443/edge"],
    maxBodyBytes: 16_384,
    readiness: () => [],
    log: silentLogger(),
    nonces: new NonceService({ clock: () => new Date() }),
    resolveAccountKey: async (kid) => accounts[kid] ?? null,
  });
  a.post("/acme/test-only/*", async (c) => c.json(await verifyAcmeRequest(c)));
  const post = (body: string, init: { url?: string; headers?: Record<string, string> } = {}) =>
    a.request(init.url ?? URL_ECHO, { method: "POST", headers: init.headers ?? JOSE, body });
  const freshNonce = async () => (await a.request(`${BASE}/acme/newNonce`)).headers.get("replay-nonce") ?? "";
  return { post, freshNonce };
}

async function problemOf(res: Response) {
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  expect(res.headers.get("replay-nonce")).toMatch(/^[A-Za-z0-9_-]+$/);
  expect(res.headers.get("link")).toMatch(/rel="index"$/);
  return { status: res.status, ...((await res.json()) as { type: string; detail: string; algorithms?: string[] }) };
}

describe("verifyAcmeRequest through the app", () => {
  it.each(["ES256", "RS256", "EdDSA"] as const)("accepts a %s request signed with a nonce from newNonce", async (alg) => {
    const key = { ES256: es256, RS256: rs256, EdDSA: eddsa }[alg];
    const { post, freshNonce } = server();
    const res = await post(await signedBody(key, { url: URL_ECHO, nonce: await freshNonce(), payload: { contact: ["mailto:a@corp.internal"] } }));
    expect(res.status).toBe(200);
    expect(res.headers.get("replay-nonce")).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(await res.json()).toMatchObject({ payload: { contact: ["mailto:a@corp.internal"] }, jwk: key.publicJwk });
  });

  it("accepts each response's nonce exactly once, and answers a replay with badNonce and a nonce that works", async () => {
    const { post, freshNonce } = server();
    const first = await post(await signedBody(es256, { url: URL_ECHO, nonce: await freshNonce() }));
    expect(first.status).toBe(200);
    const fromResponse = first.headers.get("replay-nonce") ?? "";
    const body = await signedBody(es256, { url: URL_ECHO, nonce: fromResponse });
    expect((await post(body)).status).toBe(200);

    const replay = await post(body);
    expect(await problemOf(replay)).toMatchObject({ status: 400, type: "urn:ietf:params:acme:error:badNonce" });
    const retry = await post(await signedBody(es256, { url: URL_ECHO, nonce: replay.headers.get("replay-nonce") ?? "" }));
    expect(retry.status).toBe(200);
  });

  it("resolves kid through the injected resolver, and refuses an unknown kid with accountDoesNotExist", async () => {
    const { post, freshNonce } = server({ [KID]: rs256.publicJwk });
    const known = await post(await signedBody(rs256, { url: `${URL_ECHO}/x?cursor=2`, nonce: await freshNonce(), kid: KID }), {
      url: `${URL_ECHO}/x?cursor=2`,
    });
    expect(known.status).toBe(200);
    expect(await known.json()).toEqual({ payload: "", kid: KID, protectedHeader: expect.objectContaining({ kid: KID }) as unknown });
    const unknown = await post(await signedBody(rs256, { url: URL_ECHO, nonce: await freshNonce(), kid: `${BASE}/acme/acct/2` }));
    expect(await problemOf(unknown)).toMatchObject({ status: 400, type: "urn:ietf:params:acme:error:accountDoesNotExist" });
  });

  it("builds the expected url from the configured base URL, not from the Host header", async () => {
    const { post, freshNonce } = server();
    // Behind a TLS-terminating proxy: plain HTTP inside, the public https URL in the JWS.
    const proxied = await post(await signedBody(es256, { url: URL_ECHO, nonce: await freshNonce() }), {
      url: `http://10.0.0.5:8080${TEST_PATH}`,
      headers: { ...JOSE, host: "acme.corp.internal" },
    });
    expect(proxied.status).toBe(200);
    // A second configured URL with a path prefix.
    const viaB = await post(await signedBody(es256, { url: `https://acme-b.corp.internal:9443/edge${TEST_PATH}`, nonce: await freshNonce() }), {
      headers: { ...JOSE, host: "acme-b.corp.internal:9443" },
    });
    expect(viaB.status).toBe(200);
    // An unconfigured Host is never believed: signing for it does not match.
    const forged = await post(await signedBody(es256, { url: `https://evil.example${TEST_PATH}`, nonce: await freshNonce() }), {
      headers: { ...JOSE, host: "evil.example" },
    });
    expect(await problemOf(forged)).toMatchObject({ status: 403, type: "urn:ietf:params:acme:error:unauthorized" });
    const otherResource = await post(await signedBody(es256, { url: `${BASE}/acme/newOrder`, nonce: await freshNonce() }));
    expect(await problemOf(otherResource)).toMatchObject({ status: 403, type: "urn:ietf:params:acme:error:unauthorized" });
  });

  it("refuses a missing or wrong content type with 415 malformed", async () => {
    const { post, freshNonce } = server();
    const body = await signedBody(es256, { url: URL_ECHO, nonce: await freshNonce() });
    const wrong: Record<string, string>[] = [{}, { "content-type": "application/json" }];
    for (const headers of wrong) {
      expect(await problemOf(await post(body, { headers }))).toMatchObject({ status: 415, type: "urn:ietf:params:acme:error:malformed" });
    }
  });

  it("refuses alg none and HS256 over the public key with badSignatureAlgorithm and the accepted list", async () => {
    const { post, freshNonce } = server();
    const none = JSON.stringify({ protected: b64u({ alg: "none", url: URL_ECHO, nonce: await freshNonce(), jwk: es256.publicJwk }), payload: "", signature: "" });
    const hs256 = hs256WithPublicKey(es256, { url: URL_ECHO, nonce: await freshNonce(), jwk: es256.publicJwk });
    for (const body of [none, hs256]) {
      expect(await problemOf(await post(body))).toMatchObject({
        status: 400,
        type: "urn:ietf:params:acme:error:badSignatureAlgorithm",
        algorithms: ["RS256", "ES256", "ES384", "ES512", "EdDSA"],
      });
    }
  });

  it("refuses a jwk with its private part, and a compact JWS, as malformed", async () => {
    const { post, freshNonce } = server();
    const privateJwk = await signedBody(es256, { url: URL_ECHO, nonce: await freshNonce(), header: { jwk: es256.privateJwk } });
    expect(await problemOf(await post(privateJwk))).toMatchObject({ status: 400, type: "urn:ietf:params:acme:error:malformed" });
    const parts = JSON.parse(await signedBody(es256, { url: URL_ECHO, nonce: await freshNonce() })) as Record<string, string>;
    const compact = `${parts["protected"]}.${parts["payload"]}.${parts["signature"]}`;
    expect(await problemOf(await post(compact))).toMatchObject({ status: 400, type: "urn:ietf:params:acme:error:malformed" });
  });
});
