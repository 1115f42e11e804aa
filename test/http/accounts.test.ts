/**
 * The account routes at the HTTP level, with requests signed by jose: status codes, Location
 * and Link headers, and the rules a generic client library hides (RFC 8555 §7.3).
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AccountService } from "../../src/acme/accounts/account-service.js";
import { NonceService } from "../../src/acme/nonces/nonce-service.js";
import { createAcmeApp } from "../../src/http/app.js";
import { openNode, type NodeCore } from "../../src/node/open-node.js";
import { accountKey, signedBody, type TestAccountKey } from "../acme/jws-fixtures.js";

const BASE = "https://acme.corp.internal";
let core: NodeCore;
let app: ReturnType<typeof createAcmeApp>;

beforeAll(async () => {
  const workdir = await mkdtemp(join(tmpdir(), "certeasy-accounts-"));
  const log = pino({ level: "silent" });
  core = await openNode({ workdir, store: { driver: "sqlite", path: join(workdir, "db.sqlite") }, noddl: false, auditPath: join(workdir, "audit.log"), log });
  app = createAcmeApp({
    serverUrls: [`${BASE}/`],
    maxBodyBytes: 65_536,
    readiness: () => [],
    log,
    nonces: new NonceService({ clock: () => new Date() }),
    clientIp: { remoteIpHeader: "X-Forwarded-For", trustedProxies: [] },
    accounts: new AccountService(core.dialect, core.writer, { termsOfServiceRequired: false, externalAccountRequired: false }),
  });
});
afterAll(() => core?.stop("shutdown"));

async function post(key: TestAccountKey, path: string, payload?: unknown, kid?: string): Promise<Response> {
  const nonce = (await app.request(`${BASE}/acme/newNonce`)).headers.get("replay-nonce") ?? "";
  const url = `${BASE}${path}`;
  const body = await signedBody(key, { url, nonce, payload, ...(kid ? { kid } : {}) });
  return app.request(url, { method: "POST", headers: { "Content-Type": "application/jose+json" }, body });
}

async function register(key: TestAccountKey, payload: unknown = {}): Promise<{ res: Response; url: string }> {
  const res = await post(key, "/acme/newAccount", payload);
  return { res, url: res.headers.get("location") ?? "" };
}

describe("account routes", () => {
  it("records who asked in the event: the client address, the request id and the acting account", async () => {
    const key = await accountKey("ES256");
    const { url } = await register(key);
    const accountId = url.slice(url.lastIndexOf("/") + 1);
    await post(key, new URL(url).pathname, { contact: ["mailto:who@corp.internal"] }, url);
    const events = await core.dialect.readStream(`account:${accountId}`);
    const metas = events.map((e) => (JSON.parse(e.body) as { meta: Record<string, string> }).meta);
    // in-process requests have no socket: "unknown", and a header from an untrusted peer is ignored
    expect(metas[0]).toMatchObject({ sourceIp: "unknown", node: core.serverId });
    expect(metas[0]?.["requestId"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(metas[1]).toMatchObject({ actor: `account:${accountId}` });
  });

  it("answers newAccount with 201 and Location, and the same key again with 200 and the same Location", async () => {
    const key = await accountKey("ES256");
    const first = await register(key, { contact: ["mailto:ops@corp.internal"], termsOfServiceAgreed: true });
    expect(first.res.status).toBe(201);
    expect(first.url).toMatch(new RegExp(`^${BASE}/acme/acct/[0-9a-f-]{36}$`));
    expect(first.res.headers.get("link")).toBe(`<${BASE}/acme/directory>;rel="index"`);
    expect(await first.res.json()).toEqual({
      status: "valid", contact: ["mailto:ops@corp.internal"], termsOfServiceAgreed: true, orders: `${first.url}/orders`,
    });
    const second = await register(key);
    expect(second.res.status).toBe(200);
    expect(second.url).toBe(first.url);
  });

  it("reads the account with POST-as-GET, its orders list URL included", async () => {
    const key = await accountKey("EdDSA");
    const { url } = await register(key);
    const path = new URL(url).pathname;
    const read = await post(key, path, undefined, url);
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ status: "valid", orders: `${url}/orders` });
  });

  it("refuses to let one account read or change another", async () => {
    const a = await accountKey("ES256");
    const b = await accountKey("ES256");
    const { url: aUrl } = await register(a);
    const { url: bUrl } = await register(b);
    const res = await post(b, new URL(aUrl).pathname, { contact: ["mailto:evil@corp.internal"] }, bUrl);
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ type: "urn:ietf:params:acme:error:unauthorized" });
    expect(await (await post(a, new URL(aUrl).pathname, undefined, aUrl)).json()).toMatchObject({ contact: [] });
  });

  it("refuses a status other than deactivated, an EAB it cannot check, and answers unauthorized (403) once the account is deactivated", async () => {
    const key = await accountKey("ES256");
    const { url } = await register(key);
    const path = new URL(url).pathname;
    const bad = await post(key, path, { status: "revoked" }, url);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ type: "urn:ietf:params:acme:error:malformed" });
    const eab = await register(await accountKey("ES256"), { externalAccountBinding: { protected: "x", payload: "y", signature: "z" } });
    expect(eab.res.status).toBe(400);

    expect((await post(key, path, { status: "deactivated" }, url)).status).toBe(200);
    const after = await post(key, path, undefined, url);
    expect(after.status).toBe(403);
    expect(await after.json()).toMatchObject({ type: "urn:ietf:params:acme:error:unauthorized" });
  });

  it("answers keyChange to a key another account holds with 409 and that account's Location", async () => {
    const a = await accountKey("ES256");
    const b = await accountKey("ES256");
    const { url: aUrl } = await register(a);
    const { url: bUrl } = await register(b);
    const keyChangeUrl = `${BASE}/acme/keyChange`;
    const inner = JSON.parse(await signedBody(b, { url: keyChangeUrl, payload: { account: aUrl, oldKey: a.publicJwk } })) as unknown;
    const res = await post(a, "/acme/keyChange", inner, aUrl);
    expect(res.status).toBe(409);
    expect(res.headers.get("location")).toBe(bUrl);
    expect(res.headers.get("replay-nonce")).toMatch(/^[A-Za-z0-9_-]+$/);

    const innerWithNonce = JSON.parse(await signedBody(b, { url: keyChangeUrl, nonce: "abc", payload: { account: aUrl, oldKey: a.publicJwk } })) as unknown;
    expect((await post(a, "/acme/keyChange", innerWithNonce, aUrl)).status).toBe(400);
  });
});
