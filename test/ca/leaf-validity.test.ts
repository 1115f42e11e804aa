import { describe, expect, it } from "vitest";
import { type ValidityDecision, decideLeafValidity } from "../../src/ca/local/leaf-validity.js";

const DAY = 86_400_000;
const now = new Date("2030-06-01T12:00:00.750Z");
const limits = {
  lifetimeMs: 90 * DAY,
  caNotBefore: new Date("2030-01-01T00:00:00Z"),
  caNotAfter: new Date("2031-01-01T00:00:00Z"),
};

function window(decision: ValidityDecision): { notBefore: string; notAfter: string } {
  if (!decision.ok) throw new Error(`denied: ${decision.reason}`);
  return { notBefore: decision.notBefore.toISOString(), notAfter: decision.notAfter.toISOString() };
}

function reason(decision: ValidityDecision): string {
  if (decision.ok) throw new Error("expected a denial");
  return decision.reason;
}

describe("leaf validity", () => {
  it("backdates five minutes and runs for the lifetime when nothing is requested, in whole seconds", () => {
    expect(window(decideLeafValidity(limits, {}, now))).toEqual({
      notBefore: "2030-06-01T11:55:00.000Z",
      notAfter: "2030-08-30T11:55:00.000Z",
    });
  });

  it("never ends after the issuing CA", () => {
    const late = new Date("2030-12-15T00:00:00Z");
    expect(window(decideLeafValidity(limits, {}, late)).notAfter).toBe("2031-01-01T00:00:00.000Z");
  });

  it("honours a requested window exactly (rounded down to the second)", () => {
    const requested = { notBefore: new Date("2030-06-01T13:00:00.900Z"), notAfter: new Date("2030-06-08T13:00:00.400Z") };
    expect(window(decideLeafValidity(limits, requested, now))).toEqual({
      notBefore: "2030-06-01T13:00:00.000Z",
      notAfter: "2030-06-08T13:00:00.000Z",
    });
  });

  it("takes notAfter alone with the default notBefore, and notBefore alone with the lifetime after it", () => {
    expect(window(decideLeafValidity(limits, { notAfter: new Date("2030-07-01T00:00:00Z") }, now))).toEqual({
      notBefore: "2030-06-01T11:55:00.000Z",
      notAfter: "2030-07-01T00:00:00.000Z",
    });
    expect(window(decideLeafValidity(limits, { notBefore: new Date("2030-06-02T00:00:00Z") }, now))).toEqual({
      notBefore: "2030-06-02T00:00:00.000Z",
      notAfter: "2030-08-31T00:00:00.000Z",
    });
  });

  it("accepts the longest allowed window and denies one second more instead of shortening it", () => {
    const notBefore = new Date("2030-06-01T12:00:00Z");
    const longest = new Date(notBefore.getTime() + 90 * DAY);
    expect(decideLeafValidity(limits, { notBefore, notAfter: longest }, now).ok).toBe(true);
    const tooLong = decideLeafValidity(limits, { notBefore, notAfter: new Date(longest.getTime() + 1000) }, now);
    expect(reason(tooLong)).toBe("the requested validity is longer than the 90 days this CA issues for");
  });

  it("denies a notAfter past the issuing CA's expiry, naming both dates", () => {
    const decision = decideLeafValidity(limits, { notAfter: new Date("2031-01-02T00:00:00Z") }, new Date("2030-12-01T00:00:00Z"));
    expect(reason(decision)).toBe(
      "the requested notAfter 2031-01-02T00:00:00Z is past the issuing CA's expiry (2031-01-01T00:00:00Z)",
    );
  });

  it("denies windows that are backwards, already over, too far back or too far ahead", () => {
    expect(reason(decideLeafValidity(limits, { notAfter: new Date("2030-06-01T11:00:00Z") }, now))).toMatch(/is not after notBefore/);
    expect(
      reason(decideLeafValidity(limits, { notBefore: new Date("2030-06-01T00:00:00Z"), notAfter: new Date("2030-06-01T11:00:00Z") }, now)),
    ).toMatch(/notAfter 2030-06-01T11:00:00Z is in the past/);
    expect(reason(decideLeafValidity(limits, { notBefore: new Date("2030-05-30T00:00:00Z") }, now))).toMatch(/more than 24 hours in the past/);
    expect(reason(decideLeafValidity(limits, { notBefore: new Date("2030-12-01T00:00:00Z") }, now))).toMatch(/further in the future/);
    expect(reason(decideLeafValidity(limits, { notBefore: new Date("2029-12-31T23:00:00Z") }, new Date("2030-01-01T01:00:00Z")))).toMatch(
      /before the issuing CA's validity starts/,
    );
    expect(reason(decideLeafValidity(limits, { notBefore: new Date(Number.NaN) }, now))).toMatch(/not a valid date/);
  });

  it("denies everything while the issuing CA is not (or no longer) valid", () => {
    expect(reason(decideLeafValidity(limits, {}, new Date("2031-01-01T00:00:00Z")))).toBe("the issuing CA expired on 2031-01-01T00:00:00Z");
    expect(reason(decideLeafValidity(limits, {}, new Date("2029-12-31T00:00:00Z")))).toMatch(/not valid before/);
  });

  it("does not backdate before the issuing CA's notBefore", () => {
    const justCreated = new Date("2030-01-01T00:01:00Z");
    expect(window(decideLeafValidity(limits, {}, justCreated)).notBefore).toBe("2030-01-01T00:00:00.000Z");
  });
});
