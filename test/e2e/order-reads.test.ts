/**
 * What one order costs the database in reads, request by request (issue 3: on PostgreSQL each
 * statement is a round trip): newOrder and finalize answer from the order their command just
 * committed, the order, authorization and challenge URLs of an order in flight answer from the
 * order service's memory, a finished order from its rows, an account without EAB never looks for
 * a key, and an order finished within the finalize request gets no issuance job that would
 * re-read its stream. The answers are the ones the rows give, and another account's objects
 * still answer as missing.
 */
import { lookup as dnsLookup } from "node:dns";
import https from "node:https";
import type { LookupFunction } from "node:net";
import * as acme from "acme-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAcmeTestServer, type AcmeTestServer } from "./acme-server.js";

const loopback: LookupFunction = (_host, options, callback) => dnsLookup("127.0.0.1", { ...options, family: 4 }, callback);

let server: AcmeTestServer;
/** reads since the last `take()`, by table (`es_events:<stream kind>` for stream reads) */
const reads = new Map<string, number>();
/** every projection read since the start, as `table(column,…)` */
const keyedReads: string[] = [];

beforeAll(async () => {
  server = await startAcmeTestServer();
  acme.axios.defaults.httpsAgent = new https.Agent({ ca: server.rootPem, lookup: loopback });
  const dialect = server.core.dialect;
  const count = (what: string): void => void reads.set(what, (reads.get(what) ?? 0) + 1);
  const readProjection = dialect.readProjection.bind(dialect);
  dialect.readProjection = (table, where) => {
    count(table);
    keyedReads.push(`${table}(${Object.keys(where ?? {}).sort().join(",")})`);
    return readProjection(table, where);
  };
  const readStream = dialect.readStream.bind(dialect);
  dialect.readStream = (streamId) => {
    count(`es_events:${streamId.split(":")[0] ?? ""}`);
    return readStream(streamId);
  };
});
afterAll(async () => server?.stop());

/** The reads counted since the last call, and a fresh count from here. */
function take(): Record<string, number> {
  const taken = Object.fromEntries(reads);
  reads.clear();
  return taken;
}

async function newClient(): Promise<acme.Client> {
  const client = new acme.Client({ directoryUrl: server.directoryUrl, accountKey: await acme.crypto.createPrivateEcdsaKey() });
  await client.createAccount({ termsOfServiceAgreed: true });
  return client;
}

describe("reads per request of one order", () => {
  it("reads each row once at most, and nothing the committed order already tells", async () => {
    const client = await newClient();
    // The account's row is read once, then kept in memory.
    await client.createOrder({ identifiers: [{ type: "dns", value: "warm-up.reads.test" }] });
    take();

    const order = await client.createOrder({ identifiers: [{ type: "dns", value: "reads.test" }] });
    // The account's authorizations for the name, to reuse (RFC 8555 §7.1.3); no EAB key lookup
    // for an account without one, no read of the row just created.
    expect(take()).toEqual({ acme_authorizations: 1 });
    // In flight, the order, its authorization and its challenges answer from memory.
    expect(await client.getOrder(order)).toEqual(order);
    const [authorization] = await client.getAuthorizations(order);
    if (!authorization) throw new Error("no authorization");
    expect(take()).toEqual({});

    const challenge = authorization.challenges.find((c) => c.type === "http-01");
    if (!challenge) throw new Error("no http-01 challenge");
    server.http01.set(challenge.token, await client.getChallengeKeyAuthorization(challenge));
    const answered = await client.completeChallenge(challenge);
    expect(take()).toEqual({});
    expect(answered).toMatchObject({ type: "http-01", url: challenge.url, token: challenge.token });
    expect(["processing", "valid"]).toContain(answered.status);
    await client.waitForValidStatus(authorization);
    take();

    const [, csr] = await acme.crypto.createCsr({ altNames: ["reads.test"] }, await acme.crypto.createPrivateEcdsaKey());
    const finalized = await client.finalizeOrder(order, csr);
    // The order is in memory since its validation, and valid within the request: no order row,
    // no stream read by an issuance job.
    expect(take()).toEqual({});
    expect(finalized.status).toBe("valid");

    // A finished order is not kept in memory: its objects come from the rows, the same answers.
    expect(await client.getOrder(order)).toEqual(finalized);
    const [validAuthorization] = await client.getAuthorizations(finalized);
    expect(take()).toEqual({ acme_orders: 1, acme_authorizations: 1, acme_challenges: 1 });
    expect(validAuthorization).toMatchObject({ status: "valid", identifier: authorization.identifier, challenges: [expect.objectContaining({ url: challenge.url, status: "valid" })] });
  });

  it("keeps another account's order and challenge invisible to finalize and to the challenge's ready", async () => {
    const owner = await newClient();
    const order = await owner.createOrder({ identifiers: [{ type: "dns", value: "private-reads.test" }] });
    const [authorization] = await owner.getAuthorizations(order);
    const challenge = authorization?.challenges.find((c) => c.type === "http-01");
    if (!challenge) throw new Error("no http-01 challenge");
    const stranger = await newClient();
    const [, csr] = await acme.crypto.createCsr({ altNames: ["private-reads.test"] }, await acme.crypto.createPrivateEcdsaKey());
    await expect(stranger.finalizeOrder(order, csr)).rejects.toThrow(/No such order/);
    await expect(stranger.completeChallenge(challenge)).rejects.toThrow(/No such challenge/);
    expect((await owner.getOrder(order)).status).toBe("pending");
  });

  it("finds a certificate to revoke by issuer key id and serial, not among every certificate of its key", async () => {
    const client = await newClient();
    const certificateKey = await acme.crypto.createPrivateEcdsaKey();
    // The same key for every renewal, as certbot --reuse-key does: three certificates under one key.
    const issued: string[] = [];
    for (let i = 0; i < 3; i++) {
      const order = await client.createOrder({ identifiers: [{ type: "dns", value: "reused-key.reads.test" }] });
      const [authorization] = await client.getAuthorizations(order);
      const challenge = authorization?.challenges.find((c) => c.type === "http-01");
      if (!authorization || !challenge) throw new Error("no http-01 challenge");
      server.http01.set(challenge.token, await client.getChallengeKeyAuthorization(challenge));
      await client.completeChallenge(challenge);
      await client.waitForValidStatus(authorization);
      const [, csr] = await acme.crypto.createCsr({ altNames: ["reused-key.reads.test"] }, certificateKey);
      issued.push(await client.getCertificate(await client.waitForValidStatus(await client.finalizeOrder(order, csr))));
    }
    keyedReads.length = 0;
    await client.revokeCertificate(issued[1] ?? "");
    const certificateReads = keyedReads.filter((r) => r.startsWith("acme_certificates"));
    expect(certificateReads).toContain("acme_certificates(aki,serial)");
    expect(certificateReads).not.toContain("acme_certificates(spkiSha256)");
    // The one revoked is the one presented: the others are still good.
    await expect(client.revokeCertificate(issued[1] ?? "")).rejects.toThrow(/already revoked/i);
    await client.revokeCertificate(issued[2] ?? "");
  });
});
