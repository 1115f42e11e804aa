/**
 * The order aggregate through the real writer, on SQLite and (when it runs at 127.0.0.1)
 * PostgreSQL, each test on a fresh database: a command handler's loop (read the stream, fold,
 * decide, append at the version it decided on) keeps the order tables in step with the log —
 * what an ACME client reads back after each request — and a rebuild gives the same rows.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, type TestContext } from "vitest";
import { decodeEvent, orderStreamId, type PendingEvent, type StoredEvent } from "../../events/index.js";
import { projectBatch, tableProjections, type ProjectionTableName } from "../../projections/index.js";
import {
  authorizationKey,
  decideNewOrder,
  decideOrder,
  foldOrder,
  isOrderEvent,
  type Identifier,
  type OrderCommand,
  type OrderPolicy,
  type OrderState,
  type RecordIssued,
} from "../../src/domain/order/index.js";
import type { EventStoreDialect } from "../../src/store/dialect.js";
import { openDialect, type StoreOptions } from "../../src/store/open.js";
import { toStoredEvent } from "../../src/store/rows.js";
import { uuidv4, uuidv7 } from "../../src/store/uuid.js";
import { EventWriter } from "../../src/store/writer.js";
import { postgresForTests, type TestPostgres } from "../support/postgres.js";
import { policy as issuancePolicy } from "../domain/policy/fixtures.js";

const DAY = 86_400_000;
const policy: OrderPolicy = {
  orderLifetimeMs: 7 * DAY,
  authorizationLifetimeMs: 7 * DAY,
  validAuthorizationLifetimeMs: 30 * DAY,
  certificateLifetimeMs: 90 * DAY,
  issuancePolicies: [issuancePolicy("default", { allow: ["./127", "*../127"], ip: ["0.0.0.0/0", "::/0"] }), issuancePolicy("classic", { allow: ["./127", "*../127"], profile: "classic" })],
};
const thumbprint = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";
const orderTables: readonly ProjectionTableName[] = ["acme_orders", "acme_authorizations", "acme_challenges", "acme_certificates"];

type Driver = "sqlite" | "postgres";

let dialect: EventStoreDialect;
let writer: EventWriter;
let opened = false;
let pg: TestPostgres | undefined;
/** the one clock, injected: decisions and recorded times move on only when a test says so */
let now: Date;

async function storeOptions(driver: Driver): Promise<StoreOptions | undefined> {
  if (driver === "sqlite") return { driver, path: join(await mkdtemp(join(tmpdir(), "certeasy-orders-")), "db.sqlite") };
  pg = postgresForTests("orders");
  await pg.setup();
  return pg.storeOptions();
}

async function open(driver: Driver, ctx: TestContext): Promise<void> {
  const options = await storeOptions(driver);
  if (!options) return ctx.skip();
  dialect = await openDialect(options);
  await dialect.migrate();
  now = new Date("2026-11-30T08:00:00.000Z");
  writer = new EventWriter({ dialect, serverId: uuidv4(), leaseEpoch: null, clock: () => now, projections: tableProjections, mirror: { appendEvents: async () => {} } });
  opened = true;
}

afterEach(async () => {
  if (opened) {
    await writer.close();
    await dialect.close();
    opened = false;
  }
  await pg?.teardown();
  pg = undefined;
});

const tick = (ms = 1000): void => {
  now = new Date(now.getTime() + ms);
};

async function load(orderId: string): Promise<{ state: OrderState; version: number }> {
  const stream = (await dialect.readStream(orderStreamId(orderId))).map(toStoredEvent);
  const state = foldOrder(stream.map(decodeEvent).filter(isOrderEvent));
  if (!state) throw new Error(`no order ${orderId}`);
  return { state, version: stream.length };
}

/** What the order handler does for a command after creation. */
async function handle(orderId: string, command: OrderCommand | ((state: OrderState) => OrderCommand)): Promise<readonly StoredEvent[]> {
  tick();
  const { state, version } = await load(orderId);
  const decision = decideOrder(state, typeof command === "function" ? command(state) : command, policy, now);
  if (decision.kind !== "accepted") throw new Error(`decided ${JSON.stringify(decision)}`);
  return writer.append({ streamId: orderStreamId(orderId), expectedVersion: version, events: decision.events });
}

/** newOrder, reusing the account's valid authorizations as the projected rows list them (§7.1.3). */
async function newOrder(accountId: string, identifiers: readonly Identifier[]): Promise<{ orderId: string; created: StoredEvent; state: OrderState }> {
  tick();
  const reusable = new Map<string, string>();
  for (const row of await dialect.readProjection("acme_authorizations", { accountId })) {
    if (row["status"] !== "valid" || Number(row["expiresAt"]) <= now.getTime()) continue;
    const identifier = { type: row["identifierType"], value: row["identifierValue"] } as Identifier;
    reusable.set(authorizationKey(identifier, row["wildcard"] === true), String(row["authzId"]));
  }
  const orderId = uuidv7();
  const decision = decideNewOrder(
    {
      kind: "create", orderId, accountId, now, replaces: null, reusable,
      request: { identifiers, notBefore: undefined, notAfter: undefined, profile: "classic" },
      random: { newId: uuidv7, newToken: () => randomBytes(32).toString("base64url") },
    },
    policy,
  );
  if (decision.kind !== "accepted") throw new Error(`decided ${JSON.stringify(decision)}`);
  const [created] = await writer.append({ streamId: orderStreamId(orderId), expectedVersion: 0, events: decision.events as PendingEvent[] });
  if (!created) throw new Error("nothing appended");
  return { orderId, created, state: (await load(orderId)).state };
}

/** Answer the challenge of this type for `value`, and have the validator pass (or fail) it. */
async function validate(orderId: string, value: string, type: "http-01" | "dns-01", outcome: "valid" | "invalid"): Promise<readonly StoredEvent[]> {
  const { state } = await load(orderId);
  const authorization = state.authorizations.find((a) => a.identifier.value === value);
  const challenge = authorization?.challenges.find((c) => c.type === type);
  if (!authorization || !challenge) throw new Error(`no ${type} for ${value}`);
  await handle(orderId, { kind: "respond", authzId: authorization.authzId, challengeId: challenge.challengeId, thumbprint });
  return handle(orderId, {
    kind: "record-validation", authzId: authorization.authzId, challengeId: challenge.challengeId, now,
    outcome: outcome === "valid"
      ? { status: "valid", address: "192.0.2.80" }
      : { status: "invalid", error: { type: "incorrectResponse", detail: `The token for ${value} did not match.` }, address: null },
  });
}

const certificateFor = (serial: string): RecordIssued["certificate"] => ({
  certificateId: uuidv7(), serial, aki: "a1b2c3d4", notBefore: "2026-11-30T08:00:00.000Z", notAfter: "2027-02-28T08:00:00.000Z",
  chainPem: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", spkiSha256: "c".repeat(64),
});

const atOf = (events: readonly StoredEvent[]): number => Date.parse(events.at(-1)?.at ?? "");
const byId = (rows: readonly Record<string, unknown>[], key: string, id: string) => rows.find((r) => r[key] === id);

async function snapshot(): Promise<Record<string, readonly Record<string, unknown>[]>> {
  const tables: Record<string, readonly Record<string, unknown>[]> = {};
  for (const table of orderTables) tables[table] = await dialect.readProjection(table);
  return tables;
}

/** A unique violation on (aki, serial), as SQLite and PostgreSQL word it. */
const duplicateSerial = /UNIQUE constraint failed: acme_certificates\.aki, acme_certificates\.serial|acme_certificates_aki_serial_unique/;

describe.each<Driver>(["sqlite", "postgres"])("order tables on %s through the writer", (driver) => {
  beforeEach((ctx) => open(driver, ctx));

  it("show each order as its client last changed it, reuse valid authorizations, and rebuild to the same rows", async () => {
    const accountId = uuidv7();
    // Order 1: www + wildcard, validated, finalized, held for approval, issued, later revoked.
    const first = await newOrder(accountId, [{ type: "dns", value: "WWW.example.com" }, { type: "dns", value: "*.example.com" }]);
    await validate(first.orderId, "www.example.com", "http-01", "valid");
    await validate(first.orderId, "example.com", "dns-01", "valid");
    await handle(first.orderId, { kind: "finalize", now, csr: "MIIBCsr", authority: "adcs-corp", reusedAuthorizationsValid: true, caaRefusals: [], fallbacks: [], publicKey: "MFkw", spkiSha256: "abababababababababababababababababababababababababababababababab", extraEkus: [] });
    await handle(first.orderId, { kind: "record-pending", requestId: "4711", now });
    const certificate = certificateFor("5a01");
    const issued = await handle(first.orderId, { kind: "record-issued", certificate });

    // Order 2: reuses www from order 1; api fails its challenge, so the order fails.
    const second = await newOrder(accountId, [{ type: "dns", value: "www.example.com" }, { type: "dns", value: "api.example.com" }]);
    const failed = await validate(second.orderId, "api.example.com", "http-01", "invalid");
    const revoked = await handle(first.orderId, { kind: "revoke", reason: 4, authorisedBy: "issuing-account", accountId });

    const live = await snapshot();
    const [wildcardAuthz, wwwAuthz] = first.state.authorizations;
    const [apiAuthz] = second.state.authorizations;
    if (!wildcardAuthz || !wwwAuthz || !apiAuthz) throw new Error("fixture");

    expect(live["acme_orders"]).toHaveLength(2);
    expect(byId(live["acme_orders"] ?? [], "orderId", first.orderId)).toEqual({
      orderId: first.orderId, accountId, status: "valid",
      identifiers: '[{"type":"dns","value":"*.example.com"},{"type":"dns","value":"www.example.com"}]',
      identifiersHash: first.state.identifiersHash, profile: "classic", notBefore: null, notAfter: null,
      expiresAt: Date.parse(first.created.at) + 7 * DAY, authorizationIds: JSON.stringify([wildcardAuthz.authzId, wwwAuthz.authzId]),
      error: null, certificateId: certificate.certificateId, replacesCertificateId: null,
      createdAt: Date.parse(first.created.at), updatedAt: atOf(issued),
    });
    expect(byId(live["acme_orders"] ?? [], "orderId", second.orderId)).toMatchObject({
      status: "invalid", authorizationIds: JSON.stringify([apiAuthz.authzId, wwwAuthz.authzId]), certificateId: null, updatedAt: atOf(failed),
    });
    expect(JSON.parse(String(byId(live["acme_orders"] ?? [], "orderId", second.orderId)?.["error"]))).toEqual({
      type: "incorrectResponse", detail: "The token for api.example.com did not match.",
      subproblems: [{ type: "incorrectResponse", detail: "The token for api.example.com did not match.", identifier: { type: "dns", value: "api.example.com" } }],
    });

    // the reused authorization appears once, under the order that created it
    const authorizations = live["acme_authorizations"] ?? [];
    expect(authorizations).toHaveLength(3);
    expect(byId(authorizations, "authzId", wildcardAuthz.authzId)).toMatchObject({
      orderId: first.orderId, accountId, identifierType: "dns", identifierValue: "example.com", wildcard: true, status: "valid",
    });
    expect(byId(authorizations, "authzId", wwwAuthz.authzId)).toMatchObject({ orderId: first.orderId, wildcard: false, status: "valid" });
    expect(byId(authorizations, "authzId", apiAuthz.authzId)).toMatchObject({ orderId: second.orderId, status: "invalid" });

    const challenges = live["acme_challenges"] ?? [];
    expect(challenges).toHaveLength(3 + 1 + 3);
    const wwwHttp = wwwAuthz.challenges.find((c) => c.type === "http-01");
    expect(byId(challenges, "challengeId", wwwHttp?.challengeId ?? "")).toMatchObject({
      authzId: wwwAuthz.authzId, orderId: first.orderId, status: "valid", keyAuthorization: `${wwwHttp?.token}.${thumbprint}`,
      validatedAt: expect.any(Number) as unknown, error: null,
    });
    expect(challenges.filter((c) => c["authzId"] === wwwAuthz.authzId).map((c) => c["status"]).sort()).toEqual(["pending", "pending", "valid"]);
    const apiHttp = byId(challenges, "challengeId", apiAuthz.challenges.find((c) => c.type === "http-01")?.challengeId ?? "");
    expect(apiHttp).toMatchObject({ status: "invalid", orderId: second.orderId });
    expect(JSON.parse(String(apiHttp?.["error"]))).toEqual({ type: "incorrectResponse", detail: "The token for api.example.com did not match." });

    expect(live["acme_certificates"]).toEqual([{
      certificateId: certificate.certificateId, orderId: first.orderId, accountId, authority: "adcs-corp",
      serial: "5a01", aki: "a1b2c3d4", identifiers: '[{"type":"dns","value":"*.example.com"},{"type":"dns","value":"www.example.com"}]',
      identifiersHash: first.state.identifiersHash, notBefore: Date.parse(certificate.notBefore), notAfter: Date.parse(certificate.notAfter),
      chainPem: certificate.chainPem, spkiSha256: certificate.spkiSha256, status: "revoked",
      revokedAt: atOf(revoked), revocationReason: 4, createdAt: Date.parse(issued[0]?.at ?? ""),
    }]);

    await dialect.rebuildProjections((events) => projectBatch(tableProjections, events));
    expect(await snapshot()).toEqual(live);
  });

  it("refuses a certificate whose authority key and serial are already recorded, and the order stays processing", async () => {
    const accountId = uuidv7();
    const ready = async (value: string) => {
      const order = await newOrder(accountId, [{ type: "dns", value }]);
      await validate(order.orderId, value, "http-01", "valid");
      await handle(order.orderId, { kind: "finalize", now, csr: "MIIBCsr", authority: "local", reusedAuthorizationsValid: true, caaRefusals: [], fallbacks: [], publicKey: "MFkw", spkiSha256: "abababababababababababababababababababababababababababababababab", extraEkus: [] });
      return order.orderId;
    };
    const [a, b] = [await ready("a.example.com"), await ready("b.example.com")];
    await handle(a, { kind: "record-issued", certificate: certificateFor("0f") });
    await expect(handle(b, { kind: "record-issued", certificate: certificateFor("0f") })).rejects.toThrow(duplicateSerial);
    expect((await load(b)).state.status).toBe("processing");
    expect(byId(await dialect.readProjection("acme_orders"), "orderId", b)).toMatchObject({ status: "processing", certificateId: null });
    expect(await dialect.readProjection("acme_certificates")).toHaveLength(1);
  });
});
