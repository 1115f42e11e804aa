import { describe, expect, it } from "vitest";
import { choosePolicy, offeredProfiles, policyAccepts } from "../../../src/domain/policy/index.js";
import { dns, ip, policy } from "./fixtures.js";

describe("policyAccepts", () => {
  const corp = policy("corp", {
    allow: [".corp.example.com/3", "=corp.example.com", "*..corp.example.com/2"],
    deny: ["=dc01.corp.example.com", ".secret.corp.example.com/2", "=*.secret.corp.example.com"],
    ip: ["10.0.0.0/8", "2001:db8::/32"],
  });

  it.each<[string, boolean]>([
    ["www.corp.example.com", true],
    ["corp.example.com", true],
    ["*.lab.corp.example.com", true],
    ["dc01.corp.example.com", false],
    ["DC01.Corp.Example.Com.", false],
    ["secret.corp.example.com", true],
    ["db.secret.corp.example.com", false],
    ["*.secret.corp.example.com", false],
    ["*.corp.example.com", false],
    ["www.example.com", false],
  ])("dns %s → %s (deny wins over allow)", (name, expected) => {
    expect(policyAccepts(corp, dns(name))).toBe(expected);
  });

  it.each<[string, boolean]>([
    ["10.1.2.3", true],
    ["2001:db8::7", true],
    ["192.0.2.1", false],
  ])("ip %s → %s", (address, expected) => {
    expect(policyAccepts(corp, ip(address))).toBe(expected);
  });

  it("allows no IP address without ip.allow, whatever its DNS rules", () => {
    expect(policyAccepts(policy("everything", { allow: ["./127", "*../127"] }), ip("10.0.0.1"))).toBe(false);
  });

  it("does not read an IP address given as a DNS name through ip.allow", () => {
    expect(policyAccepts(corp, dns("10.1.2.3"))).toBe(false);
  });
});

describe("choosePolicy", () => {
  const servers = policy("servers", { allow: [".srv.example.com/2"] });
  const web = policy("web", { allow: [".example.com/3", "*..example.com/2"], profile: "web" });
  const devices = policy("devices", { allow: ["=printer.example.org"], ip: ["192.0.2.0/24"], profile: "devices" });
  const policies = [servers, web, devices];

  it("takes the first policy in declaration order that allows every identifier", () => {
    // servers comes first and allows this name, even though web allows it too
    expect(choosePolicy(policies, [dns("a.srv.example.com")], null)).toEqual({ ok: true, policy: servers });
    expect(choosePolicy(policies, [dns("a.srv.example.com"), dns("*.www.example.com")], null)).toEqual({ ok: true, policy: web });
    expect(choosePolicy(policies, [ip("192.0.2.9"), dns("printer.example.org")], null)).toEqual({ ok: true, policy: devices });
  });

  it("refuses, per identifier, what no policy allows (RFC 8555 §6.7.1)", () => {
    const choice = choosePolicy(policies, [dns("a.srv.example.com"), dns("evil.test"), ip("203.0.113.1")], null);
    expect(choice).toEqual({
      ok: false,
      error: {
        type: "rejectedIdentifier",
        detail: "2 identifiers of the order are not allowed; see subproblems.",
        subproblems: [
          { type: "rejectedIdentifier", detail: 'The name "evil.test" is not allowed by this server\'s issuance policies.', identifier: { type: "dns", value: "evil.test" } },
          { type: "rejectedIdentifier", detail: "The IP address 203.0.113.1 is not allowed by this server's issuance policies.", identifier: { type: "ip", value: "203.0.113.1" } },
        ],
      },
    });
  });

  it("uses the single subproblem's detail as the error's detail", () => {
    const choice = choosePolicy(policies, [dns("evil.test")], null);
    expect(choice.ok).toBe(false);
    if (choice.ok) return;
    expect(choice.error.detail).toBe('The name "evil.test" is not allowed by this server\'s issuance policies.');
    expect(choice.error.subproblems).toHaveLength(1);
  });

  it("says so when each identifier is allowed somewhere but no policy allows them together", () => {
    const choice = choosePolicy(policies, [dns("printer.example.org"), dns("www.example.com")], null);
    expect(choice).toEqual({
      ok: false,
      error: {
        type: "rejectedIdentifier",
        detail: "Each identifier is allowed on its own, but no single issuance policy allows all of these names together; request them in separate orders.",
      },
    });
  });

  it("with a profile, uses the policy offering it and no other", () => {
    // servers would win without a profile; the client asked for web
    expect(choosePolicy(policies, [dns("a.srv.example.com")], "web")).toEqual({ ok: true, policy: web });
    const refused = choosePolicy(policies, [dns("www.example.com"), dns("printer.example.org"), ip("192.0.2.1")], "web");
    expect(refused).toEqual({
      ok: false,
      error: {
        type: "rejectedIdentifier",
        detail: "2 identifiers of the order are not allowed; see subproblems.",
        subproblems: [
          { type: "rejectedIdentifier", detail: 'The name "printer.example.org" is not allowed under profile "web".', identifier: { type: "dns", value: "printer.example.org" } },
          { type: "rejectedIdentifier", detail: 'The IP address 192.0.2.1 is not allowed under profile "web".', identifier: { type: "ip", value: "192.0.2.1" } },
        ],
      },
    });
  });

  it("refuses an unknown profile with invalidProfile, listing the offered ones", () => {
    expect(choosePolicy(policies, [dns("www.example.com")], "shortlived")).toEqual({
      ok: false,
      error: { type: "invalidProfile", detail: 'Profile "shortlived" is not offered; this server offers "web", "devices".' },
    });
    expect(choosePolicy([servers], [dns("a.srv.example.com")], "web")).toEqual({
      ok: false,
      error: { type: "invalidProfile", detail: 'Profile "web" is not offered; this server offers none.' },
    });
  });
});

describe("offeredProfiles", () => {
  it("maps each offered profile to its description, in declaration order", () => {
    const profiles = offeredProfiles([
      policy("a", { allow: ["=a.test"], profile: "zeta" }),
      policy("b", { allow: ["=b.test"] }),
      policy("c", { allow: ["=c.test"], profile: "alpha" }),
    ]);
    expect(profiles).toEqual({ zeta: "zeta certificates", alpha: "alpha certificates" });
    expect(Object.keys(profiles)).toEqual(["zeta", "alpha"]);
  });

  it("is empty when no policy is offered as a profile", () => {
    expect(offeredProfiles([policy("a", { allow: ["=a.test"] })])).toEqual({});
  });
});
