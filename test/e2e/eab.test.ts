/**
 * External account binding end to end (RFC 8555 §7.3.4) with a real ACME client, the npm
 * `acme-client`, against a server whose `acme.external-account-binding` is `required`: the
 * directory says so, a newAccount without a binding is refused with externalAccountRequired,
 * a key the operator created binds exactly one account, and a revoked key binds none.
 */
import { lookup as dnsLookup } from "node:dns";
import https from "node:https";
import type { LookupFunction } from "node:net";
import * as acme from "acme-client";
import { exportJWK, FlattenedSign, generateKeyPair } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAcmeTestServer, type AcmeTestServer } from "./acme-server.js";

// Every name resolves to loopback: test traffic never leaves the machine.
const loopback: LookupFunction = (_host, options, callback) => dnsLookup("127.0.0.1", { ...options, family: 4 }, callback);

let server: AcmeTestServer;

beforeAll(async () => {
  server = await startAcmeTestServer({ acme: { externalAccountBinding: "required" } });
  acme.axios.defaults.httpsAgent = new https.Agent({ ca: server.rootPem, lookup: loopback });
});
afterAll(async () => server?.stop());

const newKey = (): Promise<Buffer> => acme.crypto.createPrivateEcdsaKey();

const client = async (binding?: { kid: string; hmacKey: string }, accountKey?: Buffer): Promise<acme.Client> =>
  new acme.Client({
    directoryUrl: server.directoryUrl,
    accountKey: accountKey ?? (await newKey()),
    ...(binding ? { externalAccountBinding: binding } : {}),
  });

async function refusal(work: Promise<unknown>): Promise<string> {
  try {
    await work;
  } catch (error) {
    return String((error as Error).message);
  }
  throw new Error("expected the request to be refused");
}

async function directory(): Promise<{ newNonce: string; newAccount: string; meta: Record<string, unknown> }> {
  return (await acme.axios.get(server.directoryUrl)).data as { newNonce: string; newAccount: string; meta: Record<string, unknown> };
}

describe("external account binding with acme-client", () => {
  it("advertises externalAccountRequired in the directory meta", async () => {
    expect((await directory()).meta).toMatchObject({ externalAccountRequired: true });
  });

  it("refuses a newAccount without a binding with the externalAccountRequired problem", async () => {
    const { newNonce, newAccount } = await directory();
    const nonce = String((await acme.axios.head(newNonce)).headers["replay-nonce"]);
    const { privateKey, publicKey } = await generateKeyPair("ES256");
    const jws = await new FlattenedSign(new TextEncoder().encode(JSON.stringify({ termsOfServiceAgreed: true })))
      .setProtectedHeader({ alg: "ES256", jwk: await exportJWK(publicKey), nonce, url: newAccount })
      .sign(privateKey);
    const res = await acme.axios.post(newAccount, jws, { headers: { "content-type": "application/jose+json" }, validateStatus: () => true });
    expect(res.status).toBe(400);
    expect(res.data).toMatchObject({ type: "urn:ietf:params:acme:error:externalAccountRequired" });
    expect(await refusal((await client()).createAccount({ termsOfServiceAgreed: true }))).toMatch(/requires an external account binding/);
  });

  it("creates an account bound to a key the operator made, and only one", async () => {
    const { key, hmacKey } = await server.acme.eab.createKey({ allowedNames: ["*.corp.example"], allowedProfiles: [], note: "e2e" });
    const accountKey = await newKey();
    const alice = await client({ kid: key.keyId, hmacKey }, accountKey);
    expect(await alice.createAccount({ termsOfServiceAgreed: true })).toMatchObject({ status: "valid" });
    const accountId = alice.getAccountUrl().split("/").pop() ?? "";
    expect(await server.acme.accounts.findById(accountId)).toMatchObject({ eabKeyId: key.keyId });
    expect(await server.acme.eab.listKeys()).toEqual([expect.objectContaining({ keyId: key.keyId, status: "bound", boundAccountId: accountId })]);
    expect(await server.acme.eab.scopeOfAccount(accountId)).toEqual({ names: ["*.corp.example"], profiles: [] });
    // newOrder holds the account to its key's scope.
    await expect(alice.createOrder({ identifiers: [{ type: "dns", value: "www.other.example" }] })).rejects.toThrow(/www\.other\.example/);
    expect(await alice.createOrder({ identifiers: [{ type: "dns", value: "host.corp.example" }] })).toMatchObject({ status: "pending" });

    // The same account key gets its account back; another key cannot reuse the binding.
    const again = await client({ kid: key.keyId, hmacKey }, accountKey);
    await again.createAccount({ termsOfServiceAgreed: true });
    expect(again.getAccountUrl()).toBe(alice.getAccountUrl());
    expect(await refusal((await client({ kid: key.keyId, hmacKey })).createAccount({ termsOfServiceAgreed: true }))).toMatch(/already bound/);
  });

  it("refuses a wrong HMAC key, an unknown key id, and a revoked key", async () => {
    const { key, hmacKey } = await server.acme.eab.createKey({ allowedNames: [], allowedProfiles: [], note: null });
    const wrong = Buffer.alloc(32, 1).toString("base64url");
    expect(await refusal((await client({ kid: key.keyId, hmacKey: wrong })).createAccount({ termsOfServiceAgreed: true }))).toMatch(/MAC does not verify/);
    expect(await refusal((await client({ kid: "ffffffffffffffffffffffff", hmacKey })).createAccount({ termsOfServiceAgreed: true }))).toMatch(/unknown key id/);
    await server.acme.eab.revokeKey(key.keyId);
    expect(await refusal((await client({ kid: key.keyId, hmacKey })).createAccount({ termsOfServiceAgreed: true }))).toMatch(/revoked/);
  });
});
