import { describe, expect, it } from "vitest";
import { canonicalIdentifiers, MAX_IDENTIFIERS } from "../../src/domain/order/identifiers.js";

const dns = (value: string) => ({ type: "dns", value });
const ip = (value: string) => ({ type: "ip", value });

describe("newOrder identifiers", () => {
  it("lower-cases, drops the trailing dot, deduplicates and sorts (dns before ip)", () => {
    expect(canonicalIdentifiers([dns("WWW.Example.COM."), ip("192.0.2.10"), dns("*.example.com"), dns("www.example.com"), dns("example.com")])).toEqual({
      ok: true,
      identifiers: [dns("*.example.com"), dns("example.com"), dns("www.example.com"), ip("192.0.2.10")],
    });
  });

  it("writes IPv6 in its RFC 5952 form, so equal addresses are equal identifiers", () => {
    expect(canonicalIdentifiers([ip("2001:DB8:0:0:0:0:0:1"), ip("2001:db8::1")])).toEqual({ ok: true, identifiers: [ip("2001:db8::1")] });
  });

  it.each([
    [dns("a..example.com"), "rejectedIdentifier", /not a valid DNS name/],
    [dns("-a.example.com"), "rejectedIdentifier", /not a valid DNS name/],
    [dns(`${"a".repeat(64)}.example.com`), "rejectedIdentifier", /not a valid DNS name/],
    [dns(`${"a.".repeat(127)}com`), "rejectedIdentifier", /longer than 253/],
    [dns("a.*.example.com"), "rejectedIdentifier", /wildcard is only allowed/],
    [dns("*"), "rejectedIdentifier", /leftmost label/],
    [dns("bücher.example"), "rejectedIdentifier", /A-labels/],
    [dns("192.0.2.1"), "rejectedIdentifier", /"ip" identifier/],
    [dns(""), "rejectedIdentifier", /empty/],
    [ip("192.0.2.010"), "rejectedIdentifier", /RFC 8738/],
    [ip("fe80::1%eth0"), "rejectedIdentifier", /RFC 8738/],
    [ip("example.com"), "rejectedIdentifier", /RFC 8738/],
    [{ type: "email", value: "a@example.com" }, "unsupportedIdentifier", /"email" is not supported/],
  ])("refuses %j as %s", (identifier, type, detail) => {
    const result = canonicalIdentifiers([identifier]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.type).toBe(type);
    expect(result.error.detail).toMatch(detail);
    expect(result.error.subproblems?.[0]?.identifier).toEqual(identifier);
  });

  it("reports every bad identifier of one order as a subproblem", () => {
    const result = canonicalIdentifiers([dns("ok.example.com"), dns("bad..example.com"), { type: "email", value: "x" }]);
    expect(result).toMatchObject({ ok: false, error: { type: "malformed", subproblems: [{ type: "rejectedIdentifier" }, { type: "unsupportedIdentifier" }] } });
  });

  it("refuses an empty list and a list longer than the limit", () => {
    expect(canonicalIdentifiers([])).toMatchObject({ ok: false, error: { type: "malformed" } });
    expect(canonicalIdentifiers("example.com")).toMatchObject({ ok: false, error: { type: "malformed" } });
    const many = Array.from({ length: MAX_IDENTIFIERS + 1 }, (_, i) => dns(`h${i}.example.com`));
    expect(canonicalIdentifiers(many)).toMatchObject({ ok: false, error: { type: "rejectedIdentifier" } });
  });
});
