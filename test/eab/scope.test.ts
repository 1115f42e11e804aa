/**
 * The scope an EAB key gives the account it binds: the name-rule grammar (exact, `*.zone`,
 * `.zone`, IP), how each rule covers plain names and wildcards, and the profile list. newOrder
 * refuses what `eabScopeAllows` refuses, so every row here is an order a user would see pass
 * or fail.
 */
import { describe, expect, it } from "vitest";
import { canonicalNameRules, canonicalProfiles, eabScopeAllows, type EabScope } from "../../src/acme/eab/index.js";

const dns = (value: string) => ({ type: "dns", value });
const ip = (value: string) => ({ type: "ip", value });
const scope = (names: string[], profiles: string[] = []): EabScope => ({ names, profiles });

describe("eabScopeAllows: names", () => {
  const cases: [rules: string[], identifier: { type: string; value: string }, allowed: boolean][] = [
    // exact
    [["host.example.com"], dns("host.example.com"), true],
    [["host.example.com"], dns("HOST.Example.com."), true],
    [["host.example.com"], dns("other.example.com"), false],
    [["host.example.com"], dns("a.host.example.com"), false],
    [["host.example.com"], dns("*.host.example.com"), false],
    // *.zone: strictly below, any depth
    [["*.corp.example"], dns("a.corp.example"), true],
    [["*.corp.example"], dns("a.b.corp.example"), true],
    [["*.corp.example"], dns("corp.example"), false],
    [["*.corp.example"], dns("evilcorp.example"), false],
    [["*.corp.example"], dns("corp.example.evil.com"), false],
    [["*.corp.example"], dns("*.corp.example"), true],
    [["*.corp.example"], dns("*.team.corp.example"), true],
    [["*.corp.example"], dns("*.example"), false],
    // .zone: the zone and below
    [[".corp.example"], dns("corp.example"), true],
    [[".corp.example"], dns("x.y.corp.example"), true],
    [[".corp.example"], dns("*.corp.example"), true],
    [[".corp.example"], dns("xcorp.example"), false],
    // IP addresses: exact only, canonical forms compared
    [["192.0.2.7"], ip("192.0.2.7"), true],
    [["192.0.2.7"], ip("192.0.2.8"), false],
    [["2001:DB8:0:0::1"], ip("2001:db8::1"), true],
    [[".corp.example"], ip("192.0.2.7"), false],
    // an IP rule does not allow a DNS name and the other way round
    [["192.0.2.7"], dns("192.0.2.7.nip.io"), false],
    // several rules: any one may cover
    [["host.example.com", "*.corp.example"], dns("a.corp.example"), true],
    // unknown identifier types are not covered by a name rule
    [["*.corp.example"], { type: "email", value: "a@corp.example" }, false],
  ];
  for (const [rules, identifier, allowed] of cases) {
    it(`${rules.join(",")} ${allowed ? "allows" : "refuses"} ${identifier.type}:${identifier.value}`, () => {
      const verdict = eabScopeAllows(scope(rules), [identifier], null);
      expect(verdict.ok).toBe(allowed);
    });
  }

  it("allows anything with an empty name list", () => {
    expect(eabScopeAllows(scope([]), [dns("anything.example"), ip("10.0.0.1"), dns("*.x.example")], null)).toEqual({ ok: true });
  });

  it("refuses the whole order when one identifier is outside, naming it and the rules", () => {
    const verdict = eabScopeAllows(scope(["*.corp.example"]), [dns("a.corp.example"), dns("www.other.example")], null);
    expect(verdict).toEqual({
      ok: false,
      detail: expect.stringMatching(/does not allow the dns identifier "www\.other\.example"; it allows: \*\.corp\.example/),
    });
  });
});

describe("eabScopeAllows: profiles", () => {
  it("allows any profile (or none) with an empty profile list", () => {
    expect(eabScopeAllows(scope([]), [dns("a.example")], "shortlived").ok).toBe(true);
    expect(eabScopeAllows(scope([]), [dns("a.example")], null).ok).toBe(true);
  });

  it("allows a listed profile, refuses another, and asks for one when the order names none", () => {
    const s = scope([], ["tlsserver", "shortlived"]);
    expect(eabScopeAllows(s, [dns("a.example")], "shortlived").ok).toBe(true);
    expect(eabScopeAllows(s, [dns("a.example")], "classic")).toEqual({ ok: false, detail: expect.stringMatching(/does not allow the profile "classic"/) });
    expect(eabScopeAllows(s, [dns("a.example")], null)).toEqual({ ok: false, detail: expect.stringMatching(/requires a profile; name one of: tlsserver, shortlived/) });
  });

  it("checks names and profiles together", () => {
    const s = scope([".corp.example"], ["tlsserver"]);
    expect(eabScopeAllows(s, [dns("x.corp.example")], "tlsserver").ok).toBe(true);
    expect(eabScopeAllows(s, [dns("x.other.example")], "tlsserver").ok).toBe(false);
    expect(eabScopeAllows(s, [dns("x.corp.example")], "other").ok).toBe(false);
  });
});

describe("name rules and profiles as the operator writes them", () => {
  it("canonicalises rules: lower case, no trailing dot, IPv6 in RFC 5952 form, deduplicated and sorted", () => {
    expect(canonicalNameRules(["WWW.Example.COM.", "*.Corp.Example", ".corp.example", "2001:DB8::0:1", "www.example.com"])).toEqual({
      ok: true,
      rules: ["*.corp.example", ".corp.example", "2001:db8::1", "www.example.com"],
    });
  });

  for (const bad of ["", "*", "*.", ".", "a.*.example", "**.example", "exa mple.com", "-bad.example", "*.192.0.2.1", "ü.example"]) {
    it(`refuses the rule ${JSON.stringify(bad)}`, () => {
      expect(canonicalNameRules([bad])).toEqual({ ok: false, detail: expect.stringMatching(/is not a name rule/) });
    });
  }

  it("refuses more than 100 rules", () => {
    expect(canonicalNameRules(Array.from({ length: 101 }, (_, i) => `h${i}.example`)).ok).toBe(false);
  });

  it("accepts profile names of letters, digits, dot, dash and underscore only", () => {
    expect(canonicalProfiles(["tlsserver", "short-lived_1.0", "tlsserver"])).toEqual({ ok: true, profiles: ["short-lived_1.0", "tlsserver"] });
    expect(canonicalProfiles(["has space"]).ok).toBe(false);
    expect(canonicalProfiles([""]).ok).toBe(false);
  });
});
