/**
 * Account lifecycle (RFC 8555 §7.3) with a real ACME client, the npm `acme-client`, over HTTPS
 * trusting only Certeasy's bootstrap CA: create, same key → same account, contact update,
 * key rollover (and the 409 when the new key is taken), deactivation — and every step is an
 * event in the log, mirrored to the audit file, and rebuilt identically.
 */
import { lookup as dnsLookup } from "node:dns";
import type { LookupFunction } from "node:net";
import https from "node:https";
import { join } from "node:path";
import * as acme from "acme-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectBatch, tableProjections } from "../../projections/index.js";
import { verifyAudit } from "../../src/audit/index.js";
import { startAcmeTestServer, type AcmeTestServer } from "./acme-server.js";

// Every name resolves to loopback: test traffic never leaves the machine.
const loopback: LookupFunction = (_host, options, callback) => dnsLookup("127.0.0.1", { ...options, family: 4 }, callback);

let server: AcmeTestServer;

beforeAll(async () => {
  server = await startAcmeTestServer();
  acme.axios.defaults.httpsAgent = new https.Agent({ ca: server.rootPem, lookup: loopback });
});
afterAll(async () => server?.stop());

const client = async (accountKey?: Buffer): Promise<acme.Client> =>
  new acme.Client({ directoryUrl: server.directoryUrl, accountKey: accountKey ?? (await acme.crypto.createPrivateEcdsaKey()) });

async function problemOf(work: Promise<unknown>): Promise<string> {
  try {
    await work;
  } catch (error) {
    return String((error as Error).message);
  }
  throw new Error("expected the request to be refused");
}

describe("accounts with acme-client", () => {
  it("creates an account, finds it again by its key, and refuses a bad contact", async () => {
    const key = await acme.crypto.createPrivateEcdsaKey();
    const alice = await client(key);
    const created = await alice.createAccount({ termsOfServiceAgreed: true, contact: ["mailto:Alice@Example.COM"] });
    expect(created).toMatchObject({ status: "valid", contact: ["mailto:Alice@example.com"] });
    const url = alice.getAccountUrl();
    expect(url).toMatch(/^https:\/\/localhost:\d+\/acme\/acct\/[0-9a-f-]{36}$/);

    const again = await client(key);
    await again.createAccount({ onlyReturnExisting: true });
    expect(again.getAccountUrl()).toBe(url);

    expect(await problemOf((await client()).createAccount({ onlyReturnExisting: true }))).toMatch(/no account exists/i);
    expect(await problemOf((await client()).createAccount({ contact: ["tel:+33123456789"] }))).toMatch(/mailto/);
  });

  it("updates contacts, rolls the key over, refuses a taken key with 409, and deactivates", async () => {
    const bob = await client();
    await bob.createAccount({ termsOfServiceAgreed: true });
    const bobUrl = bob.getAccountUrl();
    expect(await bob.updateAccount({ contact: ["mailto:bob@example.org"] })).toMatchObject({ contact: ["mailto:bob@example.org"] });

    const newKey = await acme.crypto.createPrivateKey(2048);
    await bob.updateAccountKey(newKey);
    const withNewKey = await client(newKey);
    await withNewKey.createAccount({ onlyReturnExisting: true });
    expect(withNewKey.getAccountUrl()).toBe(bobUrl);

    const carol = await client();
    await carol.createAccount({ termsOfServiceAgreed: true });
    const message = await problemOf(carol.updateAccountKey(newKey));
    expect(message).toMatch(/already|another account|in use/i);

    expect(await bob.updateAccount({ status: "deactivated" })).toMatchObject({ status: "deactivated" });
    expect(await problemOf(bob.updateAccount({ contact: ["mailto:x@example.org"] }))).toMatch(/deactivated/);
  });

  it("records every step as an event, mirrored to the audit file and rebuilt to the same rows", async () => {
    const { dialect, serverId } = server.core;
    const events = await dialect.readAll(0, 1000);
    const types = events.map((e) => e.eventType).filter((t) => t.startsWith("acme.account."));
    expect(types).toEqual(expect.arrayContaining(["acme.account.registered", "acme.account.updated", "acme.account.key-changed", "acme.account.deactivated"]));
    // the client address the server saw on the socket is in every account event's meta
    const sources = events.filter((e) => e.eventType.startsWith("acme.account.")).map((e) => (JSON.parse(e.body) as { meta: { sourceIp?: string } }).meta.sourceIp);
    expect(new Set(sources)).toEqual(new Set(["127.0.0.1"]));
    const audit = await verifyAudit({ path: join(server.workdir, "audit.log"), serverId, store: dialect });
    expect(audit).toMatchObject({ ok: true, events: events.length });
    const live = await dialect.readProjection("acme_accounts");
    await dialect.rebuildProjections((batch) => projectBatch(tableProjections, batch));
    expect(await dialect.readProjection("acme_accounts")).toEqual(live);
    expect(live.filter((row) => row["status"] === "deactivated")).toHaveLength(1);
  });
});
