/**
 * License enforcement at newOrder (reference §8.3) with a real ACME client: under a license
 * allowing one managed server, a second account's new order is refused with 403 `unauthorized`
 * and a `license.denied` event, while renewals by the managed account still pass; revoking that
 * account's certificate frees the slot; and a license installed while the server runs applies at
 * once.
 */
import { createPrivateKey } from "node:crypto";
import { lookup as dnsLookup } from "node:dns";
import https from "node:https";
import type { LookupFunction } from "node:net";
import * as acme from "acme-client";
import { FlattenedSign } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { licenseFile } from "../support/license.js";
import { LicenseBootRefusedError, startAcmeTestServer, type AcmeTestServer } from "./acme-server.js";

const loopback: LookupFunction = (_host, options, callback) => dnsLookup("127.0.0.1", { ...options, family: 4 }, callback);

let server: AcmeTestServer;

beforeAll(async () => {
  server = await startAcmeTestServer({ license: await licenseFile({ plan: "starter", max_managed_servers: 1, max_cas: 1, allowed_dbs: ["sqlite"] }) });
  acme.axios.defaults.httpsAgent = new https.Agent({ ca: server.rootPem, lookup: loopback });
});
afterAll(() => server?.stop());

/** An acme-client account, and its key for the raw requests that read the refusal's status. */
type Account = acme.Client & { readonly accountKeyPem: Buffer };

async function newAccount(): Promise<Account> {
  const accountKeyPem = await acme.crypto.createPrivateEcdsaKey();
  const client = new acme.Client({ directoryUrl: server.directoryUrl, accountKey: accountKeyPem });
  await client.createAccount({ termsOfServiceAgreed: true });
  return Object.assign(client, { accountKeyPem });
}

/** The whole flow for `names`: order, http-01, finalize; the PEM chain. */
async function certificate(client: acme.Client, names: readonly string[]): Promise<string> {
  const order = await client.createOrder({ identifiers: names.map((value) => ({ type: "dns", value })) });
  for (const authorization of await client.getAuthorizations(order)) {
    const challenge = authorization.challenges.find((c) => c.type === "http-01");
    if (!challenge) throw new Error("no http-01 challenge");
    server.http01.set(challenge.token, await client.getChallengeKeyAuthorization(challenge));
    await client.completeChallenge(challenge);
    await client.waitForValidStatus(challenge);
  }
  const [, csr] = await acme.crypto.createCsr({ altNames: [...names] }, await acme.crypto.createPrivateEcdsaKey());
  const valid = await client.waitForValidStatus(await client.finalizeOrder(order, csr));
  return client.getCertificate(valid);
}

/** A newOrder signed by hand (acme-client hides the status of a refusal): status and problem document. */
async function refusedOrder(account: Account, name: string): Promise<{ status: number; type: string; detail: string }> {
  const nonce = await new Promise<string>((resolve, reject) => {
    https.request(`${server.baseUrl}acme/newNonce`, { method: "HEAD", ca: server.rootPem, lookup: loopback }, (res) => resolve(String(res.headers["replay-nonce"]))).on("error", reject).end();
  });
  const url = `${server.baseUrl}acme/newOrder`;
  const jws = await new FlattenedSign(new TextEncoder().encode(JSON.stringify({ identifiers: [{ type: "dns", value: name }] })))
    .setProtectedHeader({ alg: "ES256", kid: account.getAccountUrl(), nonce, url })
    .sign(createPrivateKey(account.accountKeyPem));
  const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = https.request(url, { method: "POST", ca: server.rootPem, lookup: loopback, headers: { "content-type": "application/jose+json" } }, (res) => {
      let text = "";
      res.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("error", reject);
    req.end(JSON.stringify(jws));
  });
  const problem = JSON.parse(body) as { type?: string; detail?: string };
  return { status, type: problem.type ?? "", detail: problem.detail ?? "" };
}

const denials = async (): Promise<Record<string, unknown>[]> =>
  (await server.core.dialect.readStream("license:denials")).map((row) => (JSON.parse(row.body) as { data: Record<string, unknown> }).data);

describe("max_managed_servers: 1", () => {
  let first: Account;
  let firstPem: string;

  it("lets the first account get a certificate, and refuses a second account's new order with 403 unauthorized and license.denied", async () => {
    first = await newAccount();
    firstPem = await certificate(first, ["one.license.test"]);
    expect(server.licensing.managedServers()).toBe(1);

    const second = await newAccount();
    const refused = await refusedOrder(second, "two.license.test");
    expect(refused).toMatchObject({ status: 403, type: "urn:ietf:params:acme:error:unauthorized" });
    expect(refused.detail).toMatch(/allows 1 managed servers/);
    expect(await denials()).toEqual([
      expect.objectContaining({ reason: "managed_servers_exceeded", managedServers: 1, maxManagedServers: 1, licenseId: "CRT-TEST01-TEST02-TEST03-TEST04-TEST05" }),
    ]);
    const metrics = await fetchMetrics();
    expect(metrics).toMatch(/^certeasy_license_managed_servers 1$/m);
    expect(metrics).toMatch(/^certeasy_license_denials_total\{reason="managed_servers_exceeded"\} 1$/m);
  });

  it("still accepts a renewal (and a re-issue for other names) by the account already counted", async () => {
    await certificate(first, ["one.license.test"]);
    await certificate(first, ["other.license.test"]);
    expect(server.licensing.managedServers()).toBe(1);
  });

  it("frees the slot when the managed account's certificates are revoked", async () => {
    // Revoke every certificate of the first account: it no longer holds an active one.
    const rows = (await server.core.dialect.readProjection("acme_certificates")).filter((row) => row["revokedAt"] === null || row["revokedAt"] === undefined);
    for (const row of rows) await first.revokeCertificate(String(row["chainPem"] ?? firstPem));
    expect(server.licensing.managedServers()).toBe(0);
    const third = await newAccount();
    await certificate(third, ["three.license.test"]);
    expect(server.licensing.managedServers()).toBe(1);
  });

  it("applies a license installed while the server runs at once: an unlimited one lets the refused account in", async () => {
    const waiting = await newAccount();
    expect((await refusedOrder(waiting, "four.license.test")).status).toBe(403);
    await server.licensing.service.install({ text: await licenseFile({ license_id: "CRT-UNLIMITED", max_managed_servers: "unlimited" }), force: false });
    await certificate(waiting, ["four.license.test"]);
    expect(server.licensing.managedServers()).toBe(2);
    expect(server.licensing.service.status()).toMatchObject({ licenseId: "CRT-UNLIMITED", limits: { maxManagedServers: null } });
  });
});

describe("the test server's boot check", () => {
  it("refuses two authorities on the Free plan, as serve does", async () => {
    const refused = startAcmeTestServer({
      authorities: [
        { name: "local", type: "local", policies: [], disableCaRevocation: false },
        { name: "second", type: "local", policies: [], disableCaRevocation: false },
      ],
      policyBindings: [{ policy: "default", authorities: ["local"], strategy: "first_available" }],
    });
    await expect(refused).rejects.toBeInstanceOf(LicenseBootRefusedError);
    await expect(refused).rejects.toThrow(/BOOT REFUSED \(NO LICENSE\)[\s\S]*2 authorities are declared/);
  });
});

async function fetchMetrics(): Promise<string> {
  return new Promise((resolve, reject) => {
    https
      .get(new URL("/metrics", server.baseUrl), { ca: server.rootPem, lookup: loopback }, (res) => {
        let body = "";
        res.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
        res.on("end", () => resolve(body));
      })
      .on("error", reject);
  });
}
