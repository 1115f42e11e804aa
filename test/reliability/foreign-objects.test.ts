/**
 * Issue 8, authorization: an account can never read, finalize, deactivate, answer or revoke
 * another account's objects. Every endpoint × every foreign object, over HTTPS: the answer is a
 * 4xx ACME problem that does not leak the object, the event log does not move, and the owner
 * still sees its objects as they were.
 */
import * as acme from "acme-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAcmeTestServer, type AcmeTestServer } from "../e2e/acme-server.js";
import { AcmeWire, problemOf, type WireResponse } from "./support/acme-wire.js";
import { accountWithObjects, type AccountObjects } from "./support/acme-objects.js";

let server: AcmeTestServer;
let wire: AcmeWire;
let owner: AccountObjects;
let stranger: AccountObjects;

beforeAll(async () => {
  server = await startAcmeTestServer();
  wire = new AcmeWire(server);
  owner = await accountWithObjects(server, wire, "owner");
  stranger = await accountWithObjects(server, wire, "stranger");
}, 60_000);
afterAll(async () => {
  wire?.close();
  await server?.stop();
});

interface Attempt {
  readonly name: string;
  readonly url: () => string;
  readonly payload?: () => Promise<unknown> | unknown;
}

const strangerCsr = async (): Promise<{ csr: string }> => {
  const [, csr] = await acme.crypto.createCsr({ altNames: ["pending.owner.test"] }, await acme.crypto.createPrivateEcdsaKey());
  return { csr: acme.crypto.getPemBodyAsB64u(csr) };
};

const attempts: readonly Attempt[] = [
  { name: "read the owner's pending order", url: () => owner.pendingOrder },
  { name: "read the owner's valid order", url: () => owner.validOrder },
  { name: "read the owner's authorization", url: () => owner.pendingAuthz },
  { name: "read the owner's challenge", url: () => owner.pendingChallenge },
  { name: "download the owner's certificate", url: () => owner.certificate },
  { name: "read the owner's account", url: () => owner.account.kid },
  { name: "list the owner's orders", url: () => `${owner.account.kid}/orders` },
  { name: "finalize the owner's order", url: () => owner.pendingFinalize, payload: strangerCsr },
  { name: "deactivate the owner's authorization", url: () => owner.pendingAuthz, payload: () => ({ status: "deactivated" }) },
  { name: "deactivate the owner's valid authorization", url: () => owner.validAuthz, payload: () => ({ status: "deactivated" }) },
  { name: "answer the owner's challenge", url: () => owner.pendingChallenge, payload: () => ({}) },
  { name: "update the owner's account contacts", url: () => owner.account.kid, payload: () => ({ contact: ["mailto:thief@example.test"] }) },
  { name: "deactivate the owner's account", url: () => owner.account.kid, payload: () => ({ status: "deactivated" }) },
  { name: "revoke the owner's certificate", url: () => wire.url("/acme/revoke-cert"), payload: () => ({ certificate: owner.certificateB64u }) },
];

function expectRefusal(res: WireResponse): void {
  expect(res.status, res.body).toBeGreaterThanOrEqual(400);
  expect(res.status, res.body).toBeLessThan(500);
  const problem = problemOf(res);
  expect(problem?.type, res.body).toMatch(/^urn:ietf:params:acme:error:(unauthorized|malformed|accountDoesNotExist)$/);
  expect(typeof res.headers["replay-nonce"]).toBe("string");
  // Nothing about the owner's object comes back.
  expect(res.body).not.toContain("owner.test");
  expect(res.body).not.toContain(owner.certificateB64u.slice(0, 40));
}

async function ownerView(): Promise<string[]> {
  const urls = [owner.pendingOrder, owner.validOrder, owner.pendingAuthz, owner.validAuthz, owner.pendingChallenge, owner.account.kid];
  const views: string[] = [];
  for (const url of urls) {
    const res = await wire.signed(owner.account.key, { url, kid: owner.account.kid });
    expect(res.status, `${url}: ${res.body}`).toBe(200);
    // Expiry-relative fields do not move between reads; strip nothing else.
    views.push(res.body);
  }
  return views;
}

describe("another account's objects", () => {
  it.each(attempts)("a stranger cannot $name (its own kid, its own key)", async (attempt) => {
    const before = await server.core.dialect.head();
    const ownerBefore = await ownerView();
    const payload = attempt.payload ? await attempt.payload() : undefined;
    const res = await wire.signed(stranger.account.key, { url: attempt.url(), kid: stranger.account.kid, ...(payload !== undefined ? { payload } : {}) });
    expectRefusal(res);
    expect(await server.core.dialect.head()).toEqual(before);
    expect(await ownerView()).toEqual(ownerBefore);
  });

  it.each(attempts)("a stranger cannot $name by naming the owner's kid with its own key", async (attempt) => {
    const before = await server.core.dialect.head();
    const payload = attempt.payload ? await attempt.payload() : undefined;
    const res = await wire.signed(stranger.account.key, { url: attempt.url(), kid: owner.account.kid, ...(payload !== undefined ? { payload } : {}) });
    expectRefusal(res);
    expect(await server.core.dialect.head()).toEqual(before);
  });

  it("the certificate download without any account is refused too (POST-as-GET only)", async () => {
    const res = await wire.send({ method: "GET", url: owner.certificate, contentType: null });
    expect(res.status).toBe(405);
  });

  it("every ACME resource answers another method with 405 and Allow: POST, without reading the object (RFC 9110 §15.5.6)", async () => {
    const urls = [owner.pendingOrder, owner.pendingFinalize, owner.pendingAuthz, owner.pendingChallenge, owner.certificate, owner.account.kid, wire.url("/acme/newOrder")];
    for (const method of ["DELETE", "PUT", "PATCH"] as const) {
      for (const url of urls) {
        const res = await wire.send({ method, url, contentType: null });
        expect([res.status, res.headers["allow"]], `${method} ${url}`).toEqual([405, "POST"]);
        expect(problemOf(res)?.detail).toBe(`${method} is not allowed on ${new URL(url).pathname}; it answers POST.`);
      }
    }
  });
});
