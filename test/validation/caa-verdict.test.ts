/**
 * The CAA verdict (RFC 8659 §4, RFC 8657) on a given relevant RRset: the cases of the RFCs'
 * examples, rewritten under .test, and the edges a strict reading decides.
 */
import { describe, expect, it } from "vitest";
import type { CaaRecord } from "../../src/validation/dns/lookup.js";
import { parseIssuerValue } from "../../src/validation/caa/issuer-value.js";
import { caaVerdict } from "../../src/validation/caa/issuance-verdict.js";
import type { CaaRequest } from "../../src/validation/caa/types.js";

const US = ["pki.corp.test"];
const ACCOUNT = "https://acme.corp.test/acme/acct/0190a1b2-0000-7000-8000-000000000001";
const OTHER_ACCOUNT = "https://acme.corp.test/acme/acct/0190a1b2-0000-7000-8000-000000000002";

const request = (change: Partial<CaaRequest> = {}): CaaRequest => ({
  name: "shop.test",
  wildcard: false,
  accountUris: [ACCOUNT],
  challengeType: "http-01",
  ...change,
});

const issue = (value: string, critical = false): CaaRecord => ({ critical, tag: "issue", value });
const issuewild = (value: string): CaaRecord => ({ critical: false, tag: "issuewild", value });
const at = (owner: string, ...records: CaaRecord[]) => ({ owner, records });

const reasonOf = (verdict: ReturnType<typeof caaVerdict>): string => {
  if (verdict.permitted) throw new Error("expected a refusal");
  return verdict.reason;
};

describe("issue properties (RFC 8659 §4.2)", () => {
  it("permits when no CAA RRset exists up to the root", () => {
    expect(caaVerdict(null, request(), US)).toEqual({ permitted: true });
  });

  it("permits when one issue property names this CA, whatever the others name", () => {
    expect(caaVerdict(at("shop.test", issue("other-ca.test"), issue("pki.corp.test")), request(), US)).toEqual({ permitted: true });
  });

  it("refuses when the issue properties name only other CAs, naming them and this CA", () => {
    expect(reasonOf(caaVerdict(at("shop.test", issue("other-ca.test")), request(), US))).toBe(
      "CAA records for shop.test allow only other-ca.test to issue, not pki.corp.test",
    );
    const many = at("shop.test", ...["a.test", "b.test", "c.test", "d.test", "a.test"].map((n) => issue(n)));
    expect(reasonOf(caaVerdict(many, request(), ["pki.corp.test", "ca2.corp.test"]))).toBe(
      "CAA records for shop.test allow only a.test, b.test, c.test and 1 more to issue, not pki.corp.test or ca2.corp.test",
    );
  });

  it("says where the records were found when they are a parent's", () => {
    expect(reasonOf(caaVerdict(at("shop.test", issue("other-ca.test")), request({ name: "www.shop.test" }), US))).toBe(
      "CAA records for www.shop.test (published at shop.test) allow only other-ca.test to issue, not pki.corp.test",
    );
  });

  it('refuses everyone for issue ";" and for an issue naming no issuer before its parameters', () => {
    expect(reasonOf(caaVerdict(at("shop.test", issue(";")), request(), US))).toBe(
      'CAA records for shop.test allow no certificate authority to issue (issue ";")',
    );
    expect(caaVerdict(at("shop.test", issue("  ; accounturi=" + ACCOUNT)), request(), US).permitted).toBe(false);
    expect(caaVerdict(at("shop.test", issue("")), request(), US).permitted).toBe(false);
  });

  it("compares the issuer domain name case-insensitively but whole: no suffix or parent match", () => {
    expect(caaVerdict(at("shop.test", issue("PKI.Corp.TEST")), request(), US)).toEqual({ permitted: true });
    expect(caaVerdict(at("shop.test", issue("corp.test")), request(), US).permitted).toBe(false);
    expect(caaVerdict(at("shop.test", issue("sub.pki.corp.test")), request(), US).permitted).toBe(false);
  });

  it("refuses for a malformed value, which authorizes no one, even one that starts with our name", () => {
    for (const value of ["pki.corp.test.", "pki.corp.test; accounturi", "pki.corp.test other", "pki.corp.test; a=b;", "pki.corp.test; a=b c", "pki_corp.test", "pki.corp.test;; a=b"]) {
      expect(caaVerdict(at("shop.test", issue(value)), request(), US), value).toEqual({
        permitted: false,
        reason: `CAA records for shop.test hold the issue property ${JSON.stringify(value)}, which is malformed (RFC 8659 §4.2) and allows no certificate authority to issue`,
      });
    }
  });

  it("ignores parameters it does not know and the white space the grammar allows", () => {
    expect(caaVerdict(at("shop.test", issue("pki.corp.test; account=230123")), request(), US)).toEqual({ permitted: true });
    expect(caaVerdict(at("shop.test", issue(" \tpki.corp.test \t; \tpolicy = ev ; x-y=a=b=c ")), request(), US)).toEqual({ permitted: true });
    expect(caaVerdict(at("shop.test", issue("pki.corp.test;")), request(), US)).toEqual({ permitted: true });
  });

  it("permits when the RRset has no issue property at all (iodef alone restricts nothing)", () => {
    const rrset = at("shop.test", { critical: false, tag: "iodef", value: "mailto:security@shop.test" }, issuewild(";"));
    expect(caaVerdict(rrset, request(), US)).toEqual({ permitted: true });
  });
});

describe("critical properties (RFC 8659 §4.1)", () => {
  it("refuses under a critical property with an unknown tag, even when issue names this CA", () => {
    const rrset = at("shop.test", issue("pki.corp.test"), { critical: true, tag: "tbs", value: "Unknown" });
    expect(reasonOf(caaVerdict(rrset, request(), US))).toBe(
      'CAA records for shop.test hold the critical property "tbs", which this certificate authority does not know; RFC 8659 §4.1 forbids issuing under it',
    );
  });

  it("ignores an unknown tag that is not critical, and a critical tag it knows", () => {
    expect(caaVerdict(at("shop.test", issue("pki.corp.test"), { critical: false, tag: "tbs", value: "x" }), request(), US)).toEqual({ permitted: true });
    expect(caaVerdict(at("shop.test", issue("pki.corp.test", true), { critical: true, tag: "iodef", value: "mailto:a@shop.test" }), request(), US)).toEqual({
      permitted: true,
    });
  });
});

describe("wildcards (RFC 8659 §4.3)", () => {
  const wildcard = request({ name: "shop.test", wildcard: true });

  it("uses issuewild when there is any, ignoring issue", () => {
    expect(caaVerdict(at("shop.test", issue("pki.corp.test"), issuewild("other-ca.test")), wildcard, US).permitted).toBe(false);
    expect(caaVerdict(at("shop.test", issue("other-ca.test"), issuewild("pki.corp.test")), wildcard, US)).toEqual({ permitted: true });
    expect(reasonOf(caaVerdict(at("shop.test", issue("pki.corp.test"), issuewild(";")), wildcard, US))).toBe(
      'CAA records for *.shop.test (published at shop.test) allow no certificate authority to issue wildcard certificates (issuewild ";")',
    );
  });

  it("falls back to issue without issuewild", () => {
    expect(caaVerdict(at("shop.test", issue("pki.corp.test")), wildcard, US)).toEqual({ permitted: true });
    expect(caaVerdict(at("shop.test", issue("other-ca.test")), wildcard, US).permitted).toBe(false);
  });

  it("ignores issuewild for a name that is not a wildcard", () => {
    expect(caaVerdict(at("shop.test", issue("pki.corp.test"), issuewild(";")), request(), US)).toEqual({ permitted: true });
    expect(caaVerdict(at("shop.test", issuewild("pki.corp.test"), issue("other-ca.test")), request(), US).permitted).toBe(false);
  });
});

describe("account and method binding (RFC 8657)", () => {
  it("permits the account an accounturi names and refuses every other, naming both", () => {
    const rrset = at("shop.test", issue(`pki.corp.test; accounturi=${ACCOUNT}`));
    expect(caaVerdict(rrset, request(), US)).toEqual({ permitted: true });
    expect(reasonOf(caaVerdict(rrset, request({ accountUris: [OTHER_ACCOUNT] }), US))).toBe(
      `CAA records for shop.test allow pki.corp.test to issue only to the ACME account "${ACCOUNT}", and this request comes from ${OTHER_ACCOUNT}`,
    );
  });

  it("matches the account under any of the server's URLs, and only the whole URL", () => {
    const rrset = at("shop.test", issue(`pki.corp.test; accounturi=${ACCOUNT}`));
    expect(caaVerdict(rrset, request({ accountUris: ["https://acme2.corp.test/acme/acct/x", ACCOUNT] }), US)).toEqual({ permitted: true });
    expect(caaVerdict(at("shop.test", issue(`pki.corp.test; accounturi=${ACCOUNT}/`)), request(), US).permitted).toBe(false);
    expect(caaVerdict(at("shop.test", issue("pki.corp.test; accounturi=https://acme.corp.test/acme/acct/")), request(), US).permitted).toBe(false);
  });

  it("permits the challenge types validationmethods lists and refuses the others", () => {
    const rrset = at("shop.test", issue("pki.corp.test; validationmethods=dns-01,tls-alpn-01"));
    expect(caaVerdict(rrset, request({ challengeType: "dns-01" }), US)).toEqual({ permitted: true });
    expect(caaVerdict(rrset, request({ challengeType: "tls-alpn-01" }), US)).toEqual({ permitted: true });
    expect(reasonOf(caaVerdict(rrset, request({ challengeType: "http-01" }), US))).toBe(
      "CAA records for shop.test allow pki.corp.test to issue only after validation by dns-01, tls-alpn-01, and this name was validated by http-01",
    );
  });

  it("compares method names exactly, and an empty or malformed list allows no method", () => {
    expect(caaVerdict(at("shop.test", issue("pki.corp.test; validationmethods=HTTP-01")), request(), US).permitted).toBe(false);
    expect(reasonOf(caaVerdict(at("shop.test", issue("pki.corp.test; validationmethods=")), request(), US))).toBe(
      "CAA records for shop.test allow pki.corp.test to issue only after no validation method, and this name was validated by http-01",
    );
    expect(reasonOf(caaVerdict(at("shop.test", issue("pki.corp.test; validationmethods=http-01,,dns-01")), request(), US))).toContain(
      'validationmethods parameter that is malformed ("http-01,,dns-01")',
    );
  });

  it("requires both parameters when both are given, and every occurrence of a repeated one", () => {
    const both = at("shop.test", issue(`pki.corp.test; accounturi=${ACCOUNT}; validationmethods=http-01`));
    expect(caaVerdict(both, request(), US)).toEqual({ permitted: true });
    expect(caaVerdict(both, request({ challengeType: "dns-01" }), US).permitted).toBe(false);
    expect(caaVerdict(both, request({ accountUris: [OTHER_ACCOUNT] }), US).permitted).toBe(false);
    const twice = at("shop.test", issue(`pki.corp.test; accounturi=${ACCOUNT}; accounturi=${OTHER_ACCOUNT}`));
    expect(caaVerdict(twice, request(), US).permitted).toBe(false);
  });

  it("reads parameter tags case-insensitively, so a restriction is never dropped for its spelling", () => {
    expect(caaVerdict(at("shop.test", issue(`pki.corp.test; AccountURI=${ACCOUNT}`)), request({ accountUris: [OTHER_ACCOUNT] }), US).permitted).toBe(false);
  });

  it("lets another property authorize when a bound one does not", () => {
    const rrset = at("shop.test", issue(`pki.corp.test; accounturi=${OTHER_ACCOUNT}`), issue(`pki.corp.test; accounturi=${ACCOUNT}`));
    expect(caaVerdict(rrset, request(), US)).toEqual({ permitted: true });
  });
});

describe("issue values (RFC 8659 §4.2 grammar)", () => {
  it.each([
    ["ca.test", { issuer: "ca.test", parameters: [] }],
    ["  Ca-1.Test  ", { issuer: "ca-1.test", parameters: [] }],
    ["ca.test;", { issuer: "ca.test", parameters: [] }],
    [";", { issuer: null, parameters: [] }],
    ["", { issuer: null, parameters: [] }],
    ["ca.test; a=1; B-c = x=y", { issuer: "ca.test", parameters: [{ tag: "a", value: "1" }, { tag: "b-c", value: "x=y" }] }],
    ["ca.test; empty=", { issuer: "ca.test", parameters: [{ tag: "empty", value: "" }] }],
  ])("reads %j", (text, expected) => {
    expect(parseIssuerValue(text)).toEqual(expected);
  });

  it.each(["ca.test.", ".ca.test", "ca..test", "-ca.test", "ca-.test", "ca test", "ca.test; =x", "ca.test; a", "ca.test; a=b;", "ca.test; a=\u00e9", "ca.test; -a=b", "ca.test; a=b c"])(
    "refuses %j",
    (text) => {
      expect(parseIssuerValue(text)).toBeNull();
    },
  );
});
