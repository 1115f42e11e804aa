import { describe, expect, it } from "vitest";
import { cancelledAllowRules, policyWarnings } from "../../../src/domain/policy/index.js";
import { policy } from "./fixtures.js";

const cancelled = (allow: string[], deny: string[]): string[] =>
  cancelledAllowRules(policy("p", { allow, deny }).dns).map((rule) => rule.rule);

describe("cancelledAllowRules", () => {
  it.each<[string, string[], boolean]>([
    // an exact allow is cancelled by any deny that matches it
    ["=a.example.com", ["=a.example.com"], true],
    ["=a.example.com", [".example.com/1"], true],
    ["*.a.example.com", ["*..example.com/1"], true],
    ["=a.example.com", ["=b.example.com"], false],
    // a zone rule is cancelled by a deny of the same kind on that zone or above, reaching as deep
    [".example.com/2", [".example.com/2"], true],
    [".example.com/2", [".example.com/3"], true],
    [".example.com/2", [".example.com/1"], false],
    [".a.example.com/2", [".example.com/3"], true],
    [".a.example.com/2", [".example.com/2"], false],
    // the root is 2 labels above example.com: a.b.example.com is 4 labels below it
    [".example.com/2", ["./4"], true],
    [".example.com/2", ["./3"], false],
    [".example.com/2", [".a.example.com/5"], false],
    [".example.com/2", ["=a.example.com", "=b.example.com"], false],
    // wildcards and plain names never cancel each other
    [".example.com/2", ["*..example.com/5"], false],
    ["*..example.com/2", [".example.com/5"], false],
    ["*..example.com/2", ["*..example.com/2"], true],
    ["*..a.example.com/1", ["*..example.com/2"], true],
    // several denies: the deepest reaching one decides
    [".example.com/3", [".example.com/1", "./5", "=x.example.com"], true],
    [".example.com/3", [".example.com/1", "./4", "=x.example.com"], false],
  ])("allow %s, deny %j → cancelled %s", (allow, deny, expected) => {
    expect(cancelled([allow], deny)).toEqual(expected ? [allow] : []);
  });
});

describe("policyWarnings", () => {
  it("says nothing for a policy whose every entry takes effect", () => {
    expect(policyWarnings(policy("web", { allow: [".example.com/2"], deny: [".example.com/1"] }))).toEqual([]);
  });

  it("reports allow rules the deny rules cancel, and dead signature entries, one line each", () => {
    const warnings = policyWarnings(
      policy("odd", {
        allow: ["=www.example.com", ".example.com/2"],
        deny: ["=www.example.com"],
        csr: { allowedAlgorithms: ["RSA-SHA256"], allowedEcCurves: ["P-521"] },
      }),
    );
    expect(warnings).toEqual([
      'issuance-policies "odd": dns.allow rule "=www.example.com" cannot take effect: dns.deny denies every name it allows',
      'issuance-policies "odd": signature.allowed-ec-curves P-521 cannot take effect: signature.allowed-algorithms has no ECDSA algorithm, so EC keys are refused',
    ]);
  });

  it("reports a written min-rsa-bits when no RSA algorithm is allowed", () => {
    expect(policyWarnings(policy("ec", { allow: ["=a.test"], csr: { allowedAlgorithms: ["ECDSA-SHA256"], minRsaBits: 4096 } }))).toEqual([
      'issuance-policies "ec": signature.min-rsa-bits 4096 cannot take effect: signature.allowed-algorithms has no RSA algorithm, so RSA keys are refused',
    ]);
  });

  it("warns that anyPurpose lets CSRs ask for certificates valid for every purpose (ESC2)", () => {
    expect(policyWarnings(policy("any", { allow: ["=a.test"], csr: { allowedExtraEkus: ["1.3.6.1.5.5.7.3.2", "2.5.29.37.0"] } }))).toEqual([
      'issuance-policies "any": csr.allowed-extra-eku allows anyPurpose (2.5.29.37.0): CSRs may ask for certificates valid for every purpose, the ADCS ESC2 abuse',
    ]);
  });
});
