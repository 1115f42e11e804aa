/**
 * An order's authorizations through the decider, table-tested: given the order's stream, when
 * the client answers a challenge (RFC 8555 §7.5.1), the validator returns a verdict or the client
 * deactivates an authorization (§7.5.2), then these events — or this refusal. Statuses follow
 * §7.1.6.
 */
import { describe, expect, it } from "vitest";
import {
  AuthorizationDeactivated,
  AuthorizationInvalid,
  AuthorizationValid,
  ChallengeInvalid,
  ChallengeProcessing,
  ChallengeValid,
  OrderInvalid,
  OrderReady,
  type PendingEvent,
  type RecordedProblem,
} from "../../events/index.js";
import {
  decideNewOrder,
  type OrderCommand,
  type RecordValidation,
} from "../../src/domain/order/index.js";
import { DAY, created, later, accountId, orderId, thumbprint, policy, id, token, fold, when, eventsOf, refusal, after } from "./order-fixtures.js";

const reusedAuthzId = "0193a0c4-0000-7000-8000-0000000000ee";

/**
 * The order "*.example.com" + "www.example.com" as newOrder records it. Ids are handed out in
 * order: the wildcard's authorization W = id(1) with its dns-01 challenge id(2) (token 1); then
 * www's authorization A = id(3) with http-01 id(4), dns-01 id(5), tls-alpn-01 id(6) (tokens 2–4).
 */
function newOrder(reusable: ReadonlyMap<string, string> = new Map()): PendingEvent[] {
  let ids = 0;
  let tokens = 0;
  const decision = decideNewOrder(
    {
      kind: "create", orderId, accountId, now: created, replaces: null, reusable,
      request: { identifiers: [{ type: "dns", value: "www.example.com" }, { type: "dns", value: "*.example.com" }], notBefore: undefined, notAfter: undefined, profile: undefined },
      random: { newId: () => id(++ids), newToken: () => token(++tokens) },
    },
    policy,
  );
  if (decision.kind !== "accepted") throw new Error(JSON.stringify(decision));
  return [...decision.events];
}
const W = { authzId: id(1), dns01: id(2) };
const A = { authzId: id(3), http01: id(4), dns01: id(5), tls: id(6) };


const respond = (authzId: string, challengeId: string): OrderCommand => ({ kind: "respond", authzId, challengeId, thumbprint });
const passed = (authzId: string, challengeId: string, now: Date = later): RecordValidation => ({
  kind: "record-validation", authzId, challengeId, now, outcome: { status: "valid", address: "192.0.2.80" },
});
const refused: RecordedProblem = { type: "incorrectResponse", detail: "The TXT record at _acme-challenge.example.com does not match." };
const failed = (authzId: string, challengeId: string, error: RecordedProblem = refused): RecordValidation => ({
  kind: "record-validation", authzId, challengeId, now: later, outcome: { status: "invalid", error, address: null },
});

describe("answering a challenge (RFC 8555 §7.5.1)", () => {
  it("starts validation with the key authorization token.thumbprint (§8.1)", () => {
    expect(eventsOf(when(newOrder(), respond(A.authzId, A.http01)))).toEqual([
      ChallengeProcessing.create({ authzId: A.authzId, challengeId: A.http01, keyAuthorization: `${token(2)}.${thumbprint}` }),
    ]);
  });

  it("changes nothing when the client answers again, while processing or once valid", () => {
    const processing = after(newOrder(), respond(A.authzId, A.http01));
    expect(eventsOf(when(processing, respond(A.authzId, A.http01)))).toEqual([]);
    expect(eventsOf(when(after(processing, passed(A.authzId, A.http01)), respond(A.authzId, A.http01)))).toEqual([]);
  });

  it("refuses a challenge the order does not have", () => {
    expect(refusal(when(newOrder(), respond(A.authzId, W.dns01)))).toEqual({ type: "malformed", detail: "The challenge does not exist." });
    expect(refusal(when(newOrder(), respond(reusedAuthzId, A.http01))).type).toBe("malformed");
  });

  it("refuses an answer once the order has expired", () => {
    const expiry = new Date(created.getTime() + 7 * DAY);
    expect(refusal(when(newOrder(), respond(A.authzId, A.http01), expiry))).toEqual({
      type: "malformed", detail: "The authorization has expired; create a new order.",
    });
    expect(eventsOf(when(newOrder(), respond(A.authzId, A.http01), new Date(expiry.getTime() - 1)))).toHaveLength(1);
  });

  it("refuses another challenge of an authorization that already failed", () => {
    const failedA = after(newOrder(), respond(A.authzId, A.http01), failed(A.authzId, A.http01));
    expect(refusal(when(failedA, respond(A.authzId, A.dns01)))).toMatchObject({ type: "malformed", detail: expect.stringMatching(/authorization is invalid/) as unknown });
  });
});

describe("the validator's verdict (RFC 8555 §7.1.6)", () => {
  const bothProcessing = (): PendingEvent[] => after(newOrder(), respond(W.authzId, W.dns01), respond(A.authzId, A.http01));

  it("makes the authorization valid for the reuse window, and the order ready with its last authorization", () => {
    const first = eventsOf(when(bothProcessing(), passed(W.authzId, W.dns01)));
    expect(first).toEqual([
      ChallengeValid.create({ authzId: W.authzId, challengeId: W.dns01, validated: later.toISOString(), address: "192.0.2.80" }),
      AuthorizationValid.create({ authzId: W.authzId, expires: new Date(later.getTime() + 30 * DAY).toISOString() }),
    ]);
    const last = eventsOf(when([...bothProcessing(), ...first], passed(A.authzId, A.http01)));
    expect(last).toEqual([
      ChallengeValid.create({ authzId: A.authzId, challengeId: A.http01, validated: later.toISOString(), address: "192.0.2.80" }),
      AuthorizationValid.create({ authzId: A.authzId, expires: new Date(later.getTime() + 30 * DAY).toISOString() }),
      OrderReady.create({}),
    ]);
    expect(fold([...bothProcessing(), ...first, ...last]).status).toBe("ready");
  });

  it("keeps a valid authorization's pending deadline when reuse is off", () => {
    const noReuse = { ...policy, validAuthorizationLifetimeMs: 0 };
    const [, authorization] = eventsOf(when(bothProcessing(), passed(W.authzId, W.dns01), later, noReuse));
    expect(authorization).toEqual(AuthorizationValid.create({ authzId: W.authzId, expires: new Date(created.getTime() + 7 * DAY).toISOString() }));
  });

  it("makes the order ready once its only new authorization is valid, the others being reused", () => {
    const partlyReused = newOrder(new Map([["dns:*.example.com", reusedAuthzId]]));
    // with W reused, www's authorization is the first id the decider hands out
    const stream = after(partlyReused, respond(id(1), id(2)));
    expect(eventsOf(when(stream, passed(id(1), id(2)))).map((e) => e.type)).toEqual([
      "acme.challenge.valid", "acme.authorization.valid", "acme.order.ready",
    ]);
  });

  it("fails the authorization and the order, naming the wildcard identifier as the client wrote it", () => {
    expect(eventsOf(when(bothProcessing(), failed(W.authzId, W.dns01)))).toEqual([
      ChallengeInvalid.create({ authzId: W.authzId, challengeId: W.dns01, error: refused, address: null }),
      AuthorizationInvalid.create({ authzId: W.authzId }),
      OrderInvalid.create({ error: { ...refused, subproblems: [{ ...refused, identifier: { type: "dns", value: "*.example.com" } }] } }),
    ]);
  });

  it("names a plain identifier without a wildcard prefix", () => {
    const [, , order] = eventsOf(when(bothProcessing(), failed(A.authzId, A.http01)));
    expect(order?.data).toMatchObject({ error: { subproblems: [{ identifier: { type: "dns", value: "www.example.com" } }] } });
  });

  it("records a failure whose problem already lists subproblems", () => {
    const withSubproblems: RecordedProblem = {
      type: "dns", detail: "No resolver could answer.",
      subproblems: [{ type: "dns", detail: "SERVFAIL", identifier: { type: "dns", value: "example.com" } }],
    };
    const events = eventsOf(when(bothProcessing(), failed(W.authzId, W.dns01, withSubproblems)));
    expect(events.map((e) => e.type)).toEqual(["acme.challenge.invalid", "acme.authorization.invalid", "acme.order.invalid"]);
    expect(fold([...bothProcessing(), ...events]).error?.subproblems).toContainEqual(expect.objectContaining({ identifier: { type: "dns", value: "*.example.com" } }));
  });

  it("drops a duplicate verdict, and a verdict for a challenge nobody answered", () => {
    const valid = after(bothProcessing(), passed(W.authzId, W.dns01));
    expect(eventsOf(when(valid, passed(W.authzId, W.dns01)))).toEqual([]);
    expect(eventsOf(when(valid, failed(W.authzId, W.dns01)))).toEqual([]);
    const invalid = after(bothProcessing(), failed(A.authzId, A.http01));
    expect(eventsOf(when(invalid, failed(A.authzId, A.http01)))).toEqual([]);
    expect(eventsOf(when(newOrder(), passed(A.authzId, A.tls)))).toEqual([]);
  });

  it("validates the other authorization of a failed order without making the order ready again", () => {
    const failedOrder = after(bothProcessing(), failed(A.authzId, A.http01));
    expect(eventsOf(when(failedOrder, passed(W.authzId, W.dns01))).map((e) => e.type)).toEqual(["acme.challenge.valid", "acme.authorization.valid"]);
    expect(fold(after(failedOrder, passed(W.authzId, W.dns01))).status).toBe("invalid");
  });
});

describe("deactivating an authorization (RFC 8555 §7.5.2)", () => {
  const deactivate = (authzId: string): OrderCommand => ({ kind: "deactivate-authorization", authzId });

  it("deactivates it and fails the open order that needed it", () => {
    expect(eventsOf(when(newOrder(), deactivate(A.authzId)))).toEqual([
      AuthorizationDeactivated.create({ authzId: A.authzId }),
      OrderInvalid.create({ error: { type: "unauthorized", detail: "The authorization for www.example.com was deactivated." } }),
    ]);
    const ready = after(newOrder(), respond(W.authzId, W.dns01), respond(A.authzId, A.tls), passed(W.authzId, W.dns01), passed(A.authzId, A.tls));
    expect(eventsOf(when(ready, deactivate(A.authzId))).map((e) => e.type)).toEqual(["acme.authorization.deactivated", "acme.order.invalid"]);
  });

  it("changes nothing the second time", () => {
    expect(eventsOf(when(after(newOrder(), deactivate(A.authzId)), deactivate(A.authzId)))).toEqual([]);
  });

  it("refuses a failed authorization and one the order did not create", () => {
    const failedA = after(newOrder(), respond(A.authzId, A.http01), failed(A.authzId, A.http01));
    expect(refusal(when(failedA, deactivate(A.authzId)))).toMatchObject({ type: "malformed", detail: expect.stringMatching(/The authorization is invalid; only pending and valid ones can be deactivated/) as unknown });
    expect(refusal(when(newOrder(), deactivate(reusedAuthzId)))).toEqual({ type: "malformed", detail: "The authorization does not exist." });
  });
});
