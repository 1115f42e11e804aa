/**
 * From a ready order to a certificate and its revocation, through the decider: finalize
 * (RFC 8555 §7.4), the CA's answers (pending approval, issued, refused) and revocation (§7.6,
 * reason codes RFC 5280 §5.3.1).
 */
import { describe, expect, it } from "vitest";
import {
  AuthorizationDeactivated,
  CertificateIssued,
  CertificateRevoked,
  OrderAuthorityChanged,
  OrderFinalizing,
  OrderInvalid,
  OrderPendingAtAuthority,
  OrderSubmitting,
  OrderValid,
  type PendingEvent,
  type RecordedProblem,
} from "../../events/index.js";
import {
  decideNewOrder,
  type FinalizeOrder,
  type OrderCommand,
  type OrderPolicy,
  type RecordIssued,
  type RevokeCertificate,
} from "../../src/domain/order/index.js";
import { DAY, created, later, accountId, orderId, thumbprint, policy, id, fold, when, eventsOf, refusal, decidedUnder, after } from "./order-fixtures.js";

const otherAccountId = "0193a0c4-5e6f-7a8b-9c0d-ffffffffffff";
const certificateId = "0193a0c4-0000-7000-8000-0000000000ce";
/** "www.example.com" (authorization id(1), http-01 challenge id(2)) and "192.0.2.7" (id(5), http-01 id(6)). */
function newOrder(p: OrderPolicy = policy): PendingEvent[] {
  let ids = 0;
  let tokens = 0;
  const decision = decideNewOrder(
    {
      kind: "create", orderId, accountId, now: created, replaces: null, reusable: new Map(),
      request: { identifiers: [{ type: "ip", value: "192.0.2.7" }, { type: "dns", value: "www.example.com" }], notBefore: undefined, notAfter: undefined, profile: undefined },
      random: { newId: () => id(++ids), newToken: () => `tok${++tokens}`.padEnd(43, "_") },
    },
    p,
  );
  if (decision.kind !== "accepted") throw new Error(JSON.stringify(decision));
  return [...decision.events];
}
const www = { authzId: id(1), http01: id(2) };
const ipv4 = { authzId: id(5), http01: id(6) };


const validated = (authz: { authzId: string; http01: string }): OrderCommand[] => [
  { kind: "respond", authzId: authz.authzId, challengeId: authz.http01, thumbprint },
  { kind: "record-validation", authzId: authz.authzId, challengeId: authz.http01, now: later, outcome: { status: "valid", address: null } },
];
const ready = (p: OrderPolicy = policy): PendingEvent[] => decidedUnder(p)(newOrder(p), ...validated(www), ...validated(ipv4));

const finalize = (over: Partial<FinalizeOrder> = {}): FinalizeOrder => ({
  kind: "finalize", now: later, csr: "MIIBCsrDer", authority: "adcs-corp", reusedAuthorizationsValid: true, caaRefusals: [], fallbacks: [], publicKey: "MFkw", spkiSha256: "abababababababababababababababababababababababababababababababab", extraEkus: [], ...over,
});
const certificate: RecordIssued["certificate"] = {
  certificateId,
  serial: "5a00000001d2c3b4a5",
  aki: "a1b2c3d4e5f60718293a4b5c6d7e8f9001122334",
  notBefore: "2026-11-30T08:04:00.000Z",
  notAfter: "2027-02-28T08:04:00.000Z",
  chainPem: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
  spkiSha256: "c".repeat(64),
};
const issued: OrderCommand = { kind: "record-issued", certificate };
const caRefused: RecordedProblem = { type: "badCSR", detail: "The certificate authority refused the request: template denies the key size." };
const revoke = (reason: number, over: Partial<RevokeCertificate> = {}): RevokeCertificate => ({
  kind: "revoke", reason, authorisedBy: "issuing-account", accountId, ...over,
});

describe("finalize (RFC 8555 §7.4)", () => {
  it("hands a ready order's CSR to the authority", () => {
    expect(eventsOf(when(ready(), finalize()))).toEqual([OrderFinalizing.create({ csr: "MIIBCsrDer", authority: "adcs-corp", fallbacks: [], publicKey: "MFkw", spkiSha256: "abababababababababababababababababababababababababababababababab", extraEkus: [] })]);
    expect(fold(after(ready(), finalize())).status).toBe("processing");
  });

  it("fails over to the next authority, in order, only while no authority holds the request", () => {
    const finalized = after(ready(), finalize({ fallbacks: ["adcs-backup", "local"] }));
    const failOver = { kind: "fail-over", reason: "RPC server unavailable" } as const;
    expect(eventsOf(when(finalized, failOver))).toEqual([
      OrderAuthorityChanged.create({ from: "adcs-corp", to: "adcs-backup", reason: "RPC server unavailable" }),
    ]);
    const twice = after(finalized, failOver, failOver);
    expect(fold(twice)).toMatchObject({ authority: "local", fallbacks: [] });
    expect(eventsOf(when(twice, failOver))).toEqual([]);
    const held = after(finalized, { kind: "record-pending", requestId: "4711", now: later });
    expect(eventsOf(when(held, failOver))).toEqual([]);
    // A submission recorded for the first authority does not follow the request to the next.
    const moved = after(finalized, { kind: "record-submitting" }, failOver);
    expect(fold(moved)).toMatchObject({ authority: "adcs-backup", submittingTo: null });
    expect(eventsOf(when(moved, { kind: "record-submitting" }))).toEqual([OrderSubmitting.create({ authority: "adcs-backup" })]);
  });

  it.each<[string, () => PendingEvent[], RegExp]>([
    ["a pending order", () => after(newOrder(), ...validated(www)), /authorizations are not all valid yet/],
    ["an order already processing", () => after(ready(), finalize()), /it is processing/],
    ["a valid order", () => after(ready(), finalize(), issued), /it is valid/],
    ["an invalid order", () => after(newOrder(), { kind: "deactivate-authorization", authzId: www.authzId }), /it is invalid/],
  ])("answers orderNotReady for %s", (_, stream, detail) => {
    const error = refusal(when(stream(), finalize()));
    expect(error.type).toBe("orderNotReady");
    expect(error.detail).toMatch(detail);
  });

  it("records a certificate an in-process authority already issued with the finalization: processing, issued and valid in one decision", () => {
    const order = fold(ready());
    const withCertificate = finalize({ authority: "local", issued: certificate });
    expect(eventsOf(when(ready(), withCertificate))).toEqual([
      OrderFinalizing.create({ csr: "MIIBCsrDer", authority: "local", fallbacks: [], publicKey: "MFkw", spkiSha256: "abababababababababababababababababababababababababababababababab", extraEkus: [] }),
      CertificateIssued.create({
        ...certificate, accountId, identifiers: [{ type: "dns", value: "www.example.com" }, { type: "ip", value: "192.0.2.7" }],
        identifiersHash: order.identifiersHash, authority: "local",
      }),
      OrderValid.create({ certificateId }),
    ]);
    expect(fold(after(ready(), withCertificate))).toMatchObject({ status: "valid", certificate: { certificateId, authority: "local" } });
    // The order's checks come first: a certificate issued for an order that cannot be finalized is not recorded.
    expect(refusal(when(after(ready(), withCertificate), withCertificate))?.type).toBe("orderNotReady");
  });

  it("answers orderNotReady once the ready order has expired", () => {
    const expiry = new Date(created.getTime() + 7 * DAY);
    expect(refusal(when(ready(), finalize(), expiry))).toEqual({ type: "orderNotReady", detail: "The order has expired; create a new one." });
    expect(eventsOf(when(ready(), finalize(), new Date(expiry.getTime() - 1)))).toHaveLength(1);
  });

  it("makes the order invalid with caa and one subproblem per name when CAA, checked again, forbids issuance (RFC 8659 §3)", () => {
    const one = finalize({ caaRefusals: [{ identifier: { type: "dns", value: "www.example.com" }, wildcard: false, detail: "CAA records for www.example.com allow only other-ca.test to issue, not pki.corp.test" }] });
    const detail = "CAA records for www.example.com allow only other-ca.test to issue, not pki.corp.test";
    expect(eventsOf(when(ready(), one))).toEqual([
      OrderInvalid.create({ error: { type: "caa", detail, subproblems: [{ type: "caa", detail, identifier: { type: "dns", value: "www.example.com" } }] } }),
    ]);
    expect(fold(after(ready(), one))).toMatchObject({ status: "invalid", error: { type: "caa" }, csr: null, certificate: null });
    const two = finalize({
      caaRefusals: [
        { identifier: { type: "dns", value: "www.example.com" }, wildcard: false, detail: "first" },
        { identifier: { type: "dns", value: "example.com" }, wildcard: true, detail: "second" },
      ],
    });
    expect(fold(after(ready(), two)).error).toEqual({
      type: "caa",
      detail: "CAA records forbid this certificate authority to issue for 2 of the order's identifiers (www.example.com, *.example.com); see the subproblems.",
      subproblems: [
        { type: "caa", detail: "first", identifier: { type: "dns", value: "www.example.com" } },
        { type: "caa", detail: "second", identifier: { type: "dns", value: "*.example.com" } },
      ],
    });
    // An order that could not be finalized anyway says so first, and nothing is recorded.
    expect(refusal(when(after(ready(), finalize()), one)).type).toBe("orderNotReady");
  });

  it("answers orderNotReady when a reused authorization is no longer valid", () => {
    expect(refusal(when(ready(), finalize({ reusedAuthorizationsValid: false })))).toEqual({
      type: "orderNotReady", detail: "An authorization of the order is no longer valid; create a new order.",
    });
  });

  it("answers orderNotReady when one of its own authorizations ran out before the order did", () => {
    const shortAuthz = { ...policy, authorizationLifetimeMs: DAY, validAuthorizationLifetimeMs: 0 };
    const stream = ready(shortAuthz);
    expect(eventsOf(when(stream, finalize(), new Date(created.getTime() + DAY - 1), shortAuthz))).toHaveLength(1);
    expect(refusal(when(stream, finalize(), new Date(created.getTime() + DAY), shortAuthz)).type).toBe("orderNotReady");
  });
});

describe("the authority's answer", () => {
  const processing = (): PendingEvent[] => after(ready(), finalize());

  it("records a submission before the authority is asked, once per authority, and forgets it once the CA answers or the request moves", () => {
    expect(eventsOf(when(processing(), { kind: "record-submitting" }))).toEqual([OrderSubmitting.create({ authority: "adcs-corp" })]);
    const submitting = after(processing(), { kind: "record-submitting" });
    expect(fold(submitting)).toMatchObject({ status: "processing", submittingTo: "adcs-corp" });
    expect(eventsOf(when(submitting, { kind: "record-submitting" }))).toEqual([]);
    expect(fold(after(submitting, { kind: "record-pending", requestId: "4711", now: later }))).toMatchObject({ submittingTo: null, pendingRequestId: "4711" });
    expect(eventsOf(when(after(submitting, { kind: "record-pending", requestId: "4711", now: later }), { kind: "record-submitting" }))).toEqual([]);
    expect(fold(after(submitting, issued))).toMatchObject({ status: "valid", submittingTo: null });
    expect(eventsOf(when(ready(), { kind: "record-submitting" }))).toEqual([]);
  });

  it("records a request held for approval once per request id", () => {
    expect(eventsOf(when(processing(), { kind: "record-pending", requestId: "4711", now: later }))).toEqual([
      OrderPendingAtAuthority.create({ authority: "adcs-corp", requestId: "4711", since: later.toISOString() }),
    ]);
    const held = after(processing(), { kind: "record-pending", requestId: "4711", now: later });
    expect(eventsOf(when(held, { kind: "record-pending", requestId: "4711", now: later }))).toEqual([]);
    expect(fold(held)).toMatchObject({ status: "processing", pendingRequestId: "4711" });
  });

  it("records the certificate for the order's account and identifiers, and the order becomes valid", () => {
    const order = fold(processing());
    expect(eventsOf(when(processing(), issued))).toEqual([
      CertificateIssued.create({
        ...certificate, accountId, identifiers: [{ type: "dns", value: "www.example.com" }, { type: "ip", value: "192.0.2.7" }],
        identifiersHash: order.identifiersHash, authority: "adcs-corp",
      }),
      OrderValid.create({ certificateId }),
    ]);
    expect(fold(after(processing(), { kind: "record-pending", requestId: "4711", now: later }, issued))).toMatchObject({
      status: "valid", pendingRequestId: null, certificate: { certificateId, serial: certificate.serial, revocation: null },
    });
  });

  it("keeps the first certificate when issuance answers twice, and records none before finalization", () => {
    const valid = after(processing(), issued);
    expect(eventsOf(when(valid, { kind: "record-issued", certificate: { ...certificate, certificateId: id(99), serial: "01" } }))).toEqual([]);
    expect(eventsOf(when(ready(), issued))).toEqual([]);
  });

  it("fails the order when the authority refuses, once", () => {
    expect(eventsOf(when(processing(), { kind: "record-issuance-failed", error: caRefused }))).toEqual([OrderInvalid.create({ error: caRefused })]);
    const failed = after(processing(), { kind: "record-issuance-failed", error: caRefused });
    expect(fold(failed)).toMatchObject({ status: "invalid", error: caRefused });
    expect(eventsOf(when(failed, { kind: "record-issuance-failed", error: caRefused }))).toEqual([]);
    expect(eventsOf(when(after(processing(), issued), { kind: "record-issuance-failed", error: caRefused }))).toEqual([]);
  });

  it("leaves a valid order valid when one of its authorizations is deactivated afterwards", () => {
    const valid = after(processing(), issued);
    expect(eventsOf(when(valid, { kind: "deactivate-authorization", authzId: www.authzId }))).toEqual([AuthorizationDeactivated.create({ authzId: www.authzId })]);
  });
});

describe("revocation (RFC 8555 §7.6)", () => {
  const withCertificate = (): PendingEvent[] => after(ready(), finalize(), issued);

  it.each([0, 1, 2, 3, 4, 5, 9, 10])("revokes with reason %i", (reason) => {
    expect(eventsOf(when(withCertificate(), revoke(reason)))).toEqual([
      CertificateRevoked.create({ certificateId, reason: reason as 0, authorisedBy: "issuing-account", accountId }),
    ]);
  });

  it("records who was allowed to revoke", () => {
    const [byKey] = eventsOf(when(withCertificate(), revoke(1, { authorisedBy: "certificate-key", accountId: null })));
    expect(byKey?.data).toMatchObject({ authorisedBy: "certificate-key", accountId: null });
    const [byOther] = eventsOf(when(withCertificate(), revoke(4, { authorisedBy: "authorized-account", accountId: otherAccountId })));
    expect(byOther?.data).toMatchObject({ authorisedBy: "authorized-account", accountId: otherAccountId });
  });

  it.each([6, 7, 8, 11, -1, 1.5])("refuses reason %s as badRevocationReason", (reason) => {
    const error = refusal(when(withCertificate(), revoke(reason)));
    expect(error.type).toBe("badRevocationReason");
    expect(error.detail).toMatch(new RegExp(`^Reason ${reason} is not accepted: use 0–5, 9 or 10`));
  });

  it("refuses a second revocation as alreadyRevoked", () => {
    const revoked = after(withCertificate(), revoke(1));
    expect(fold(revoked).certificate?.revocation).toEqual({ reason: 1 });
    expect(refusal(when(revoked, revoke(4)))).toEqual({ type: "alreadyRevoked", detail: "The certificate is already revoked." });
  });

  it("refuses to revoke before a certificate exists", () => {
    expect(refusal(when(after(ready(), finalize()), revoke(0)))).toEqual({ type: "malformed", detail: "The certificate does not exist." });
  });
});
