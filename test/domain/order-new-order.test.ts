/**
 * newOrder (RFC 8555 §7.4) through the pure decider: what the client gets back for the
 * identifiers, validity, profile and `replaces` it asks for, and which authorizations (new or
 * reused, §7.1.3) with which challenges (§8.3–8.4, RFC 8737, RFC 8738) the order carries.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { upcast } from "../../events/index.js";
import type { DomainErrorType } from "../../src/domain/domain-error.js";
import {
  decideNewOrder,
  foldOrder,
  isOrderEvent,
  type CreateOrder,
  type NewOrderDecision,
  type OrderPolicy,
  type Randomness,
} from "../../src/domain/order/index.js";
import { policy as issuancePolicy } from "./policy/fixtures.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const now = new Date("2026-11-30T08:00:00.000Z");
const iso = (ms: number): string => new Date(ms).toISOString();
const accountId = "0193a0c4-5e6f-7a8b-9c0d-1e2f3a4b5c6d";
const otherAccountId = "0193a0c4-5e6f-7a8b-9c0d-ffffffffffff";
const orderId = "0193a0c4-0000-7000-8000-0000000000aa";
const certificateId = "0193a0c4-0000-7000-8000-0000000000ce";
const reusedAuthzId = "0193a0c4-0000-7000-8000-0000000000ee";

const policy: OrderPolicy = {
  orderLifetimeMs: 7 * DAY,
  authorizationLifetimeMs: 7 * DAY,
  validAuthorizationLifetimeMs: 30 * DAY,
  certificateLifetimeMs: 90 * DAY,
  issuancePolicies: [
    issuancePolicy("default", { allow: ["./127", "*../127"], ip: ["0.0.0.0/0", "::/0"] }),
    issuancePolicy("classic", { allow: ["./127"], profile: "classic" }),
    issuancePolicy("shortlived", { allow: ["./127"], profile: "shortlived" }),
  ],
};

/** Predictable "random" values: id n and token n, in the order the decider asks for them. */
function counting(): Randomness {
  let ids = 0;
  let tokens = 0;
  return {
    newId: () => `0193a0c4-0000-7000-8000-${(++ids).toString(16).padStart(12, "0")}`,
    newToken: () => `tok${++tokens}`.padEnd(43, "_"),
  };
}
const id = (n: number): string => `0193a0c4-0000-7000-8000-${n.toString(16).padStart(12, "0")}`;
const token = (n: number): string => `tok${n}`.padEnd(43, "_");

const dns = (value: string) => ({ type: "dns" as const, value });
const ip = (value: string) => ({ type: "ip" as const, value });

const create = (request: Partial<CreateOrder["request"]> = {}, over: Partial<CreateOrder> = {}): CreateOrder => ({
  kind: "create",
  orderId,
  accountId,
  now,
  request: { identifiers: [dns("www.example.com")], notBefore: undefined, notAfter: undefined, profile: undefined, ...request },
  replaces: null,
  reusable: new Map(),
  random: counting(),
  ...over,
});

/** The data of the single acme.order.created event an accepted newOrder records. */
function created(decision: NewOrderDecision) {
  if (decision.kind !== "accepted") throw new Error(`expected an order, got ${JSON.stringify(decision)}`);
  const event = decision.events.map((e) => upcast(e.type, e.v, e.data)).find((e) => e.type === "acme.order.created");
  if (event?.type !== "acme.order.created") throw new Error("no acme.order.created among the events");
  return event.data;
}
const refusal = (decision: NewOrderDecision) => {
  if (decision.kind !== "rejected") throw new Error(`expected a refusal, got ${JSON.stringify(decision)}`);
  return decision.error;
};
const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");

describe("newOrder: the order a client gets (RFC 8555 §7.4)", () => {
  it("records one pending authorization with three challenges for a plain DNS name", () => {
    const decision = decideNewOrder(create(), policy);
    expect(decision.kind === "accepted" ? decision.events.length : 0).toBe(1);
    expect(created(decision)).toEqual({
      orderId,
      accountId,
      identifiers: [dns("www.example.com")],
      identifiersHash: sha256('[{"type":"dns","value":"www.example.com"}]'),
      notBefore: null,
      notAfter: null,
      expires: iso(now.getTime() + 7 * DAY),
      policy: "default",
      profile: null,
      replacesCertificateId: null,
      authorizationIds: [id(1)],
      newAuthorizations: [
        {
          authzId: id(1),
          identifier: dns("www.example.com"),
          wildcard: false,
          expires: iso(now.getTime() + 7 * DAY),
          challenges: [
            { challengeId: id(2), type: "http-01", token: token(1) },
            { challengeId: id(3), type: "dns-01", token: token(2) },
            { challengeId: id(4), type: "tls-alpn-01", token: token(3) },
          ],
        },
      ],
    });
  });

  it("offers a wildcard only dns-01 and an IP address only http-01 and tls-alpn-01 (§7.1.3, RFC 8738 §7)", () => {
    const order = created(decideNewOrder(create({ identifiers: [ip("192.0.2.7"), dns("*.Example.com"), dns("api.example.com")] }), policy));
    const offered = order.newAuthorizations.map((a) => ({ identifier: a.identifier, wildcard: a.wildcard, types: a.challenges.map((c) => c.type) }));
    expect(offered).toEqual([
      { identifier: dns("example.com"), wildcard: true, types: ["dns-01"] },
      { identifier: dns("api.example.com"), wildcard: false, types: ["http-01", "dns-01", "tls-alpn-01"] },
      { identifier: ip("192.0.2.7"), wildcard: false, types: ["http-01", "tls-alpn-01"] },
    ]);
    // the order itself keeps the "*." the client asked for
    expect(order.identifiers).toEqual([dns("*.example.com"), dns("api.example.com"), ip("192.0.2.7")]);
  });

  it("gives every challenge its own token", () => {
    const order = created(decideNewOrder(create({ identifiers: [dns("a.example.com"), dns("b.example.com")] }), policy));
    const tokens = order.newAuthorizations.flatMap((a) => a.challenges.map((c) => c.token));
    expect(new Set(tokens).size).toBe(6);
  });

  it("canonicalises identifiers so that the same set in another order or case hashes equally", () => {
    const a = created(decideNewOrder(create({ identifiers: [dns("WWW.Example.COM."), ip("2001:DB8:0:0:0:0:0:1"), dns("example.com")] }), policy));
    const b = created(decideNewOrder(create({ identifiers: [ip("2001:db8::1"), dns("example.com"), dns("www.example.com"), dns("Example.com")] }), policy));
    const c = created(decideNewOrder(create({ identifiers: [dns("example.com"), dns("www.example.com")] }), policy));
    expect(a.identifiers).toEqual([dns("example.com"), dns("www.example.com"), ip("2001:db8::1")]);
    expect(b.identifiers).toEqual(a.identifiers);
    expect(b.identifiersHash).toBe(a.identifiersHash);
    expect(c.identifiersHash).not.toBe(a.identifiersHash);
  });

  it("refuses bad identifiers before anything else, naming each one", () => {
    const error = refusal(decideNewOrder(create({ identifiers: [dns("ok.example.com"), { type: "email", value: "a@example.com" }], profile: "nope" }), policy));
    expect(error).toMatchObject({ type: "unsupportedIdentifier", subproblems: [{ identifier: { type: "email", value: "a@example.com" } }] });
  });
});

describe("newOrder: authorization reuse (RFC 8555 §7.1.3)", () => {
  it("lists a valid authorization of the account instead of creating one, keeping identifier order", () => {
    const reusable = new Map([["dns:example.com", reusedAuthzId]]);
    const order = created(decideNewOrder(create({ identifiers: [dns("www.example.com"), dns("example.com"), dns("api.example.com")] }, { reusable }), policy));
    expect(order.identifiers.map((i) => i.value)).toEqual(["api.example.com", "example.com", "www.example.com"]);
    expect(order.authorizationIds).toEqual([id(1), reusedAuthzId, id(5)]);
    expect(order.newAuthorizations.map((a) => [a.authzId, a.identifier.value])).toEqual([
      [id(1), "api.example.com"],
      [id(5), "www.example.com"],
    ]);
  });

  it("does not let an authorization for a name serve its wildcard, nor the other way round", () => {
    const plainOnly = new Map([["dns:example.com", reusedAuthzId]]);
    const wildcardOrder = created(decideNewOrder(create({ identifiers: [dns("*.example.com")] }, { reusable: plainOnly }), policy));
    expect(wildcardOrder.authorizationIds).toEqual([id(1)]);
    expect(wildcardOrder.newAuthorizations).toHaveLength(1);

    const wildcardOnly = new Map([["dns:*.example.com", reusedAuthzId]]);
    expect(created(decideNewOrder(create({ identifiers: [dns("*.example.com")] }, { reusable: wildcardOnly }), policy)).authorizationIds).toEqual([reusedAuthzId]);
    expect(created(decideNewOrder(create({ identifiers: [dns("example.com")] }, { reusable: wildcardOnly }), policy)).authorizationIds).toEqual([id(1)]);
  });

  it("makes an order whose every authorization is reused ready at once, so the client can finalize (§7.1.6)", () => {
    // A renewal inside the reuse window: certbot, lego and acme.sh go straight to finalize.
    const reusable = new Map([["dns:www.example.com", reusedAuthzId]]);
    const decision = decideNewOrder(create({}, { reusable }), policy);
    expect(created(decision)).toMatchObject({ authorizationIds: [reusedAuthzId], newAuthorizations: [] });
    const events = decision.kind === "accepted" ? decision.events.map((e) => upcast(e.type, e.v, e.data)).filter(isOrderEvent) : [];
    expect(foldOrder(events)?.status).toBe("ready");
  });
});

describe("newOrder: requested validity (RFC 8555 §7.4 notBefore/notAfter)", () => {
  const t = (offsetMs: number): string => iso(now.getTime() + offsetMs);

  it("records the requested dates in UTC with milliseconds, whatever offset they came with", () => {
    const order = created(decideNewOrder(create({ notBefore: "2026-11-30T11:00:00+02:00", notAfter: "2026-12-30T09:00:00Z" }), policy));
    expect(order).toMatchObject({ notBefore: "2026-11-30T09:00:00.000Z", notAfter: "2026-12-30T09:00:00.000Z" });
  });

  it("accepts a notAfter alone, up to the longest certificate the CA issues", () => {
    expect(created(decideNewOrder(create({ notAfter: t(90 * DAY) }), policy))).toMatchObject({ notBefore: null, notAfter: t(90 * DAY) });
    expect(created(decideNewOrder(create({ notBefore: t(-DAY), notAfter: t(89 * DAY) }), policy)).notBefore).toBe(t(-DAY));
  });

  it("accepts a notBefore alone within the order's lifetime", () => {
    expect(created(decideNewOrder(create({ notBefore: t(6 * DAY) }), policy))).toMatchObject({ notBefore: t(6 * DAY), notAfter: null });
  });

  it.each<[string, Partial<CreateOrder["request"]>, RegExp]>([
    ["a notBefore that is not a date-time", { notBefore: "tomorrow" }, /^notBefore must be an RFC 3339 date-time/],
    ["a date without a time", { notAfter: "2026-12-30" }, /^notAfter must be an RFC 3339 date-time/],
    ["a date-time without an offset", { notAfter: "2026-12-30T00:00:00" }, /^notAfter must be an RFC 3339 date-time/],
    ["a day the month does not have", { notBefore: "2026-11-31T00:00:00Z" }, /^notBefore must be an RFC 3339 date-time/],
    ["an hour past 23", { notBefore: "2026-12-01T24:00:00Z" }, /^notBefore must be an RFC 3339 date-time/],
    ["a notAfter before the notBefore", { notBefore: t(2 * DAY), notAfter: t(DAY) }, /notAfter must be later than notBefore/],
    ["a notAfter equal to the notBefore", { notBefore: t(DAY), notAfter: t(DAY) }, /notAfter must be later/],
    ["a notAfter in the past", { notAfter: t(-HOUR) }, /notAfter must be later than notBefore and than now/],
    ["a validity longer than the CA issues", { notBefore: t(HOUR), notAfter: t(HOUR + 90 * DAY + 1) }, /longer than this server issues \(90 days\)/],
    ["a notAfter alone too far away", { notAfter: t(91 * DAY) }, /longer than this server issues/],
    ["a notBefore beyond the order's lifetime", { notBefore: t(8 * DAY) }, /beyond the order's lifetime/],
  ])("refuses %s as malformed", (_, request, detail) => {
    const error = refusal(decideNewOrder(create(request), policy));
    expect(error.type).toBe("malformed");
    expect(error.detail).toMatch(detail);
  });
});

describe("newOrder: profile (draft-ietf-acme-profiles)", () => {
  it("records an offered profile, and none when the client names none", () => {
    expect(created(decideNewOrder(create({ profile: "shortlived" }), policy)).profile).toBe("shortlived");
    expect(created(decideNewOrder(create(), policy)).profile).toBeNull();
  });

  it("refuses a profile the server does not offer, listing those it does", () => {
    expect(refusal(decideNewOrder(create({ profile: "tlsserver" }), policy))).toEqual({
      type: "invalidProfile",
      detail: 'Profile "tlsserver" is not offered; this server offers "classic", "shortlived".',
    });
    expect(refusal(decideNewOrder(create({ profile: "classic" }), { ...policy, issuancePolicies: policy.issuancePolicies.slice(0, 1) }))).toEqual({
      type: "invalidProfile",
      detail: 'Profile "classic" is not offered; this server offers none.',
    });
  });
});

describe("newOrder: replaces (RFC 9773 §5)", () => {
  const replaced = { certificateId, accountId, identifiers: [dns("example.com"), dns("www.example.com")], alreadyReplaced: false };

  it("records the certificate a renewal replaces when it shares an identifier", () => {
    const order = created(decideNewOrder(create({ identifiers: [dns("www.example.com"), dns("new.example.com")] }, { replaces: replaced }), policy));
    expect(order.replacesCertificateId).toBe(certificateId);
  });

  it.each<[string, Partial<typeof replaced>, DomainErrorType, RegExp]>([
    ["a certificate of another account", { accountId: otherAccountId }, "malformed", /not issued to this account/],
    ["a certificate another order already replaces", { alreadyReplaced: true }, "alreadyReplaced", /already been replaced/],
    ["a certificate sharing no identifier", { identifiers: [dns("other.example.org")] }, "malformed", /shares no identifier/],
  ])("refuses to replace %s", (_, over, type, detail) => {
    const error = refusal(decideNewOrder(create({}, { replaces: { ...replaced, ...over } }), policy));
    expect(error.type).toBe(type);
    expect(error.detail).toMatch(detail);
  });
});
