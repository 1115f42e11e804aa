/**
 * The order evolver: folding an `order:<orderId>` stream gives the order a command decides on,
 * and a stream that contradicts itself (a bug or tampering) is refused loudly rather than
 * folded into a plausible-looking order.
 */
import { describe, expect, it } from "vitest";
import {
  AccountDeactivated,
  AuthorizationInvalid,
  AuthorizationValid,
  CertificateIssued,
  CertificateRevoked,
  ChallengeProcessing,
  ChallengeValid,
  OrderCreated,
  OrderFinalizing,
  OrderReady,
  OrderValid,
  upcast,
  type CerteasyEvent,
  type PendingEvent,
} from "../../events/index.js";
import { evolveOrder, foldOrder, isOrderEvent, OrderStreamError, type OrderEvent } from "../../src/domain/order/index.js";

const accountId = "0193a0c4-5e6f-7a8b-9c0d-1e2f3a4b5c6d";
const orderId = "0193a0c4-0000-7000-8000-0000000000aa";
const authzId = "0193a0c4-0000-7000-8000-000000000001";
const challengeId = "0193a0c4-0000-7000-8000-000000000002";
const reusedAuthzId = "0193a0c4-0000-7000-8000-0000000000ee";
const unknownId = "0193a0c4-0000-7000-8000-0000000000ff";
const certificateId = "0193a0c4-0000-7000-8000-0000000000ce";
const identifiers = [{ type: "dns" as const, value: "www.example.com" }];

const created = OrderCreated.create({
  orderId, accountId, identifiers, identifiersHash: "a".repeat(64), notBefore: null, notAfter: null,
  expires: "2026-12-07T08:00:00.000Z", policy: "classic", profile: "classic", replacesCertificateId: null,
  authorizationIds: [authzId, reusedAuthzId],
  newAuthorizations: [{
    authzId, identifier: identifiers[0] ?? { type: "dns", value: "" }, wildcard: false, expires: "2026-12-07T08:00:00.000Z",
    challenges: [{ challengeId, type: "http-01", token: "t".repeat(43) }],
  }],
});
const issued = CertificateIssued.create({
  certificateId, accountId, identifiers, identifiersHash: "a".repeat(64), authority: "local", serial: "01", aki: "ab",
  notBefore: "2026-11-30T08:00:00.000Z", notAfter: "2027-02-28T08:00:00.000Z", chainPem: "pem", spkiSha256: "b".repeat(64),
});

const decoded = (events: readonly PendingEvent[]): OrderEvent[] => events.map((e) => upcast(e.type, e.v, e.data)).filter(isOrderEvent);
const fold = (...events: PendingEvent[]) => foldOrder(decoded(events));

describe("folding an order stream", () => {
  it("gives no order for an empty stream", () => {
    expect(foldOrder([])).toBeNull();
  });

  it("follows a whole lifecycle to a revoked certificate", () => {
    const order = fold(
      created,
      ChallengeProcessing.create({ authzId, challengeId, keyAuthorization: `${"t".repeat(43)}.${"k".repeat(43)}` }),
      ChallengeValid.create({ authzId, challengeId, validated: "2026-11-30T08:05:00.000Z", address: "192.0.2.80" }),
      AuthorizationValid.create({ authzId, expires: "2026-12-30T08:05:00.000Z" }),
      OrderReady.create({}),
      OrderFinalizing.create({ csr: "MIIB", authority: "local", fallbacks: [], publicKey: "MFkw", spkiSha256: "abababababababababababababababababababababababababababababababab", extraEkus: [] }),
      issued,
      OrderValid.create({ certificateId }),
      CertificateRevoked.create({ certificateId, reason: 4, authorisedBy: "issuing-account", accountId }),
    );
    expect(order).toMatchObject({
      orderId, accountId, status: "valid", profile: "classic", csr: "MIIB", authority: "local", error: null,
      authorizationIds: [authzId, reusedAuthzId],
      authorizations: [{
        authzId, status: "valid", expires: "2026-12-30T08:05:00.000Z",
        challenges: [{ challengeId, status: "valid", validated: "2026-11-30T08:05:00.000Z", keyAuthorization: `${"t".repeat(43)}.${"k".repeat(43)}` }],
      }],
      certificate: { certificateId, serial: "01", authority: "local", revocation: { reason: 4 } },
    });
  });

  it("tells order events from other aggregates' events", () => {
    const account: CerteasyEvent = upcast(AccountDeactivated.type, 1, {});
    expect(isOrderEvent(account)).toBe(false);
    expect(decoded([created, AccountDeactivated.create({}), issued]).map((e) => e.type)).toEqual(["acme.order.created", "acme.certificate.issued"]);
  });
});

describe("a stream that contradicts itself", () => {
  it.each<[string, PendingEvent[]]>([
    ["an event before the order is created", [OrderReady.create({})]],
    ["a second creation", [created, created]],
    ["an authorization the order did not create", [created, AuthorizationInvalid.create({ authzId: unknownId })]],
    // a reused authorization lives in the stream of the order that created it
    ["an authorization the order only reuses", [created, AuthorizationValid.create({ authzId: reusedAuthzId, expires: "2026-12-30T08:05:00.000Z" })]],
    ["a challenge the authorization does not have", [created, ChallengeValid.create({ authzId, challengeId: unknownId, validated: "2026-11-30T08:05:00.000Z", address: null })]],
    ["a revocation without a certificate", [created, CertificateRevoked.create({ certificateId, reason: 1, authorisedBy: "issuing-account", accountId })]],
  ])("is refused with OrderStreamError: %s", (_, events) => {
    expect(() => fold(...events)).toThrow(OrderStreamError);
  });

  it("names the order and the unknown authorization", () => {
    const [first] = decoded([created]);
    const [stray] = decoded([AuthorizationInvalid.create({ authzId: unknownId })]);
    if (!first || !stray) throw new Error("fixture");
    expect(() => evolveOrder(evolveOrder(null, first), stray)).toThrow(`order ${orderId} has no authorization ${unknownId}`);
  });
});
