/**
 * Which names finalization checks CAA for again: DNS names validated more than 8 hours before
 * (CA/Browser Forum BR §3.2.2.8), at an unknown time, or before the server enforced CAA; never
 * IP addresses (RFC 8738 has no CAA).
 */
import { describe, expect, it } from "vitest";
import { CAA_RESULT_LIFETIME_MS, staleCaaResults, validatedAuthorization, type AuthorizationState, type ValidatedAuthorization } from "../../src/domain/order/index.js";
import { id, token } from "./order-fixtures.js";

const now = new Date("2026-12-01T20:00:00.000Z");
const ago = (ms: number): number => now.getTime() - ms;
/** CAA enforced since long before every validation of these tests but the last one's */
const longAgo = new Date(ago(365 * 24 * 3_600_000));
const authorization = (n: number, value: string, validatedAt: number | null, type: "dns" | "ip" = "dns"): ValidatedAuthorization => ({
  authzId: id(n),
  identifier: { type, value },
  wildcard: false,
  validatedAt,
  challengeType: validatedAt === null ? null : "http-01",
});

describe("stale CAA results", () => {
  it("keeps a result for 8 hours to the millisecond, then checks again", () => {
    expect(CAA_RESULT_LIFETIME_MS).toBe(8 * 3_600_000);
    const fresh = authorization(1, "fresh.test", ago(CAA_RESULT_LIFETIME_MS));
    const stale = authorization(2, "stale.test", ago(CAA_RESULT_LIFETIME_MS + 1));
    expect(staleCaaResults([fresh, stale], now, longAgo)).toEqual([stale]);
  });

  it("checks a name whose validation time is unknown, and never an IP address", () => {
    const unknown = authorization(1, "unknown.test", null);
    const ip = authorization(2, "192.0.2.7", ago(30 * 24 * 3_600_000), "ip");
    expect(staleCaaResults([unknown, ip], now, longAgo)).toEqual([unknown]);
  });

  it("checks a name validated before CAA was enforced, however recent", () => {
    const enforcedSince = new Date(ago(60_000));
    const before = authorization(1, "before.test", enforcedSince.getTime() - 1);
    const since = authorization(2, "since.test", enforcedSince.getTime());
    expect(staleCaaResults([before, since], now, enforcedSince)).toEqual([before]);
  });
});

describe("an authorization's validation", () => {
  it("is its latest valid challenge: when, and by which type", () => {
    const state: AuthorizationState = {
      authzId: id(1),
      identifier: { type: "dns", value: "www.example.com" },
      wildcard: true,
      status: "valid",
      expires: "2026-12-31T00:00:00.000Z",
      challenges: [
        { challengeId: id(2), type: "http-01", token: token(1), status: "valid", keyAuthorization: "k", validated: "2026-12-01T08:00:00.000Z", error: null },
        { challengeId: id(3), type: "dns-01", token: token(2), status: "valid", keyAuthorization: "k", validated: "2026-12-01T09:00:00.000Z", error: null },
        { challengeId: id(4), type: "tls-alpn-01", token: token(3), status: "invalid", keyAuthorization: "k", validated: null, error: null },
      ],
    };
    expect(validatedAuthorization(state)).toEqual({
      authzId: id(1),
      identifier: { type: "dns", value: "www.example.com" },
      wildcard: true,
      validatedAt: Date.parse("2026-12-01T09:00:00.000Z"),
      challengeType: "dns-01",
    });
    expect(validatedAuthorization({ ...state, challenges: [] })).toMatchObject({ validatedAt: null, challengeType: null });
  });
});
