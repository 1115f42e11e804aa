/**
 * The order read model (acme_orders, acme_authorizations, acme_challenges, acme_certificates):
 * order events in, row changes out, no database. These rows are what ACME clients read back
 * (RFC 8555 §7.1.3–7.1.6 objects, certificate download, revocation lookups).
 */
import { describe, expect, it } from "vitest";
import {
  AccountDeactivated,
  AuthorizationDeactivated,
  AuthorizationInvalid,
  AuthorizationValid,
  CertificateIssued,
  CertificateRevoked,
  ChallengeInvalid,
  ChallengeProcessing,
  ChallengeValid,
  GENESIS_HASH,
  NodeStarted,
  OrderCreated,
  OrderFinalizing,
  OrderInvalid,
  OrderPendingAtAuthority,
  OrderReady,
  OrderValid,
  sealEnvelope,
  type PendingEvent,
  type RecordedProblem,
  type StoredEvent,
} from "../../events/index.js";
import { ordersProjection, projectBatch, type RowChange } from "../../projections/index.js";
import { OrderStreamIdError } from "../../projections/tables/orders.js";

const node = "11111111-1111-4111-8111-111111111111";
const accountId = "0193a0c4-5e6f-7a8b-9c0d-1e2f3a4b5c6d";
const orderId = "0193a0c4-0000-7000-8000-0000000000aa";
const authzId = "0193a0c4-0000-7000-8000-000000000001";
const http01 = "0193a0c4-0000-7000-8000-000000000002";
const dns01 = "0193a0c4-0000-7000-8000-000000000003";
const reusedAuthzId = "0193a0c4-0000-7000-8000-0000000000ee";
const certificateId = "0193a0c4-0000-7000-8000-0000000000ce";
const replacedId = "0193a0c4-0000-7000-8000-0000000000cf";
const identifiers = [{ type: "dns" as const, value: "*.example.com" }, { type: "dns" as const, value: "www.example.com" }];
const hash = "a".repeat(64);
const keyAuthorization = `${"t".repeat(43)}.${"k".repeat(43)}`;

function chain(sid: string, pending: readonly PendingEvent[]): StoredEvent[] {
  const out: StoredEvent[] = [];
  pending.forEach((p, i) => {
    out.push(sealEnvelope({
      at: new Date(Date.UTC(2026, 10, 30, 8, 0, i)).toISOString(), data: p.data, eid: `e${i}`, gp: i + 1,
      meta: { node }, prev: out[i - 1]?.hash ?? GENESIS_HASH, sid, sv: i + 1, type: p.type, v: p.v,
    }));
  });
  return out;
}
const at = (events: readonly StoredEvent[], i: number): number => Date.parse(events[i]?.at ?? "");

/** www.example.com gets a new authorization; *.example.com reuses a valid one of the account. */
const created = OrderCreated.create({
  orderId, accountId, identifiers, identifiersHash: hash, notBefore: "2026-12-01T00:00:00.000Z", notAfter: "2027-01-01T00:00:00.000Z",
  expires: "2026-12-07T08:00:00.000Z", policy: "classic", profile: "classic", replacesCertificateId: replacedId,
  authorizationIds: [reusedAuthzId, authzId],
  newAuthorizations: [{
    authzId, identifier: { type: "dns", value: "www.example.com" }, wildcard: false, expires: "2026-12-07T08:00:00.000Z",
    challenges: [{ challengeId: http01, type: "http-01", token: "t".repeat(43) }, { challengeId: dns01, type: "dns-01", token: "u".repeat(43) }],
  }],
});

const issuedLifecycle = (): StoredEvent[] =>
  chain(`order:${orderId}`, [
    created,
    ChallengeProcessing.create({ authzId, challengeId: http01, keyAuthorization }),
    ChallengeValid.create({ authzId, challengeId: http01, validated: "2026-11-30T08:00:01.500Z", address: "192.0.2.80" }),
    AuthorizationValid.create({ authzId, expires: "2026-12-30T08:00:02.000Z" }),
    OrderReady.create({}),
    OrderFinalizing.create({ csr: "MIIB", authority: "adcs-corp", fallbacks: [], publicKey: "MFkw", spkiSha256: "abababababababababababababababababababababababababababababababab", extraEkus: [] }),
    OrderPendingAtAuthority.create({ authority: "adcs-corp", requestId: "4711", since: "2026-11-30T08:10:00.000Z" }),
    CertificateIssued.create({
      certificateId, accountId, identifiers, identifiersHash: hash, authority: "adcs-corp", serial: "5a01", aki: "a1b2",
      notBefore: "2026-12-01T00:00:00.000Z", notAfter: "2027-01-01T00:00:00.000Z", chainPem: "-----BEGIN CERTIFICATE-----\n", spkiSha256: "c".repeat(64),
    }),
    OrderValid.create({ certificateId }),
    CertificateRevoked.create({ certificateId, reason: 1, authorisedBy: "certificate-key", accountId: null }),
  ]);

const update = (table: RowChange["table"], key: Record<string, string>, set: Record<string, string | number | null>): RowChange => ({ kind: "update", table, key, set });

describe("order rows", () => {
  it("inserts the order with its new authorization and challenges, then follows them to a revoked certificate", () => {
    const events = issuedLifecycle();
    const t0 = at(events, 0);
    const order = { orderId };
    expect(projectBatch([ordersProjection], events)).toEqual([
      { kind: "insert", table: "acme_orders", row: {
        orderId, accountId, status: "pending",
        identifiers: '[{"type":"dns","value":"*.example.com"},{"type":"dns","value":"www.example.com"}]', identifiersHash: hash,
        profile: "classic", notBefore: Date.parse("2026-12-01T00:00:00Z"), notAfter: Date.parse("2027-01-01T00:00:00Z"),
        expiresAt: Date.parse("2026-12-07T08:00:00Z"), authorizationIds: JSON.stringify([reusedAuthzId, authzId]),
        error: null, certificateId: null, replacesCertificateId: replacedId, createdAt: t0, updatedAt: t0 } },
      { kind: "insert", table: "acme_authorizations", row: {
        authzId, orderId, accountId, identifierType: "dns", identifierValue: "www.example.com", wildcard: false, status: "pending",
        expiresAt: Date.parse("2026-12-07T08:00:00Z"), createdAt: t0, updatedAt: t0 } },
      { kind: "insert", table: "acme_challenges", row: {
        challengeId: http01, authzId, orderId, accountId, type: "http-01", token: "t".repeat(43), status: "pending",
        keyAuthorization: null, validatedAt: null, error: null, updatedAt: t0 } },
      { kind: "insert", table: "acme_challenges", row: {
        challengeId: dns01, authzId, orderId, accountId, type: "dns-01", token: "u".repeat(43), status: "pending",
        keyAuthorization: null, validatedAt: null, error: null, updatedAt: t0 } },
      update("acme_challenges", { challengeId: http01 }, { status: "processing", keyAuthorization, updatedAt: at(events, 1) }),
      update("acme_challenges", { challengeId: http01 }, { status: "valid", validatedAt: Date.parse("2026-11-30T08:00:01.500Z"), updatedAt: at(events, 2) }),
      update("acme_authorizations", { authzId }, { status: "valid", expiresAt: Date.parse("2026-12-30T08:00:02Z"), updatedAt: at(events, 3) }),
      update("acme_orders", order, { status: "ready", updatedAt: at(events, 4) }),
      update("acme_orders", order, { status: "processing", updatedAt: at(events, 5) }),
      update("acme_orders", order, { updatedAt: at(events, 6) }),
      { kind: "insert", table: "acme_certificates", row: {
        certificateId, orderId, accountId, authority: "adcs-corp", serial: "5a01", aki: "a1b2",
        identifiers: '[{"type":"dns","value":"*.example.com"},{"type":"dns","value":"www.example.com"}]', identifiersHash: hash,
        notBefore: Date.parse("2026-12-01T00:00:00Z"), notAfter: Date.parse("2027-01-01T00:00:00Z"), chainPem: "-----BEGIN CERTIFICATE-----\n",
        spkiSha256: "c".repeat(64), status: "valid", revokedAt: null, revocationReason: null, createdAt: at(events, 7) } },
      update("acme_orders", order, { status: "valid", certificateId, updatedAt: at(events, 8) }),
      update("acme_certificates", { certificateId }, { status: "revoked", revokedAt: at(events, 9), revocationReason: 1 }),
    ]);
  });

  it("records why a challenge and its order failed, as canonical JSON problems", () => {
    const problem: RecordedProblem = { type: "incorrectResponse", detail: "The token at /.well-known/acme-challenge/ did not match." };
    const orderProblem: RecordedProblem = { ...problem, subproblems: [{ ...problem, identifier: { type: "dns", value: "www.example.com" } }] };
    const events = chain(`order:${orderId}`, [
      created,
      ChallengeProcessing.create({ authzId, challengeId: http01, keyAuthorization }),
      ChallengeInvalid.create({ authzId, challengeId: http01, error: problem, address: "192.0.2.80" }),
      AuthorizationInvalid.create({ authzId }),
      OrderInvalid.create({ error: orderProblem }),
    ]);
    expect(projectBatch([ordersProjection], events).slice(5)).toEqual([
      update("acme_challenges", { challengeId: http01 }, {
        status: "invalid", error: '{"detail":"The token at /.well-known/acme-challenge/ did not match.","type":"incorrectResponse"}', updatedAt: at(events, 2) }),
      update("acme_authorizations", { authzId }, { status: "invalid", updatedAt: at(events, 3) }),
      update("acme_orders", { orderId }, {
        status: "invalid",
        error: '{"detail":"The token at /.well-known/acme-challenge/ did not match.","subproblems":[{"detail":"The token at /.well-known/acme-challenge/ did not match.","identifier":{"type":"dns","value":"www.example.com"},"type":"incorrectResponse"}],"type":"incorrectResponse"}',
        updatedAt: at(events, 4) }),
    ]);
  });

  it("marks a deactivated authorization", () => {
    const events = chain(`order:${orderId}`, [created, AuthorizationDeactivated.create({ authzId })]);
    expect(projectBatch([ordersProjection], events).at(-1)).toEqual(update("acme_authorizations", { authzId }, { status: "deactivated", updatedAt: at(events, 1) }));
  });

  it("inserts no authorization rows for reused authorizations, and flags a wildcard one", () => {
    const wildcardOnly = OrderCreated.create({
      ...created.data, identifiers: [identifiers[0] ?? { type: "dns", value: "" }], authorizationIds: [authzId], replacesCertificateId: null,
      newAuthorizations: [{ authzId, identifier: { type: "dns", value: "example.com" }, wildcard: true, expires: "2026-12-07T08:00:00.000Z",
        challenges: [{ challengeId: dns01, type: "dns-01", token: "u".repeat(43) }] }],
    });
    const changes = projectBatch([ordersProjection], chain(`order:${orderId}`, [wildcardOnly]));
    expect(changes.map((c) => c.table)).toEqual(["acme_orders", "acme_authorizations", "acme_challenges"]);
    expect(changes[1]).toMatchObject({ row: { identifierValue: "example.com", wildcard: true } });
    const [orderRow] = projectBatch([ordersProjection], chain(`order:${orderId}`, [created]));
    expect(orderRow).toMatchObject({ row: { authorizationIds: JSON.stringify([reusedAuthzId, authzId]) } });
  });

  it("ignores events of other aggregates", () => {
    const others = [
      ...chain("node:n", [NodeStarted.create({ bootId: node, hostname: "ca1", pid: 1, version: "t", firstBoot: true })]),
      ...chain(`account:${accountId}`, [AccountDeactivated.create({})]),
    ];
    expect(projectBatch([ordersProjection], others)).toEqual([]);
  });

  it("refuses an order event outside an order stream", () => {
    expect(() => projectBatch([ordersProjection], chain(`account:${accountId}`, [created, OrderReady.create({})]))).toThrow(OrderStreamIdError);
  });
});
