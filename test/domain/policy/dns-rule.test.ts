import { describe, expect, it } from "vitest";
import { matchesDnsRule, parseDnsRule, type DnsRule } from "../../../src/domain/policy/index.js";

function rule(text: string): DnsRule {
  const parsed = parseDnsRule(text);
  if ("reason" in parsed) throw new Error(`${text}: ${parsed.reason}`);
  return parsed;
}

describe("parseDnsRule", () => {
  it.each([
    [".example.com/2", { kind: "subdomains", rule: ".example.com/2", zone: "example.com", maxDepth: 2 }],
    [".Example.COM./1", { kind: "subdomains", rule: ".example.com/1", zone: "example.com", maxDepth: 1 }],
    ["./127", { kind: "subdomains", rule: "./127", zone: "", maxDepth: 127 }],
    ["*.example.com", { kind: "exact", rule: "*.example.com", name: "*.example.com" }],
    ["*..example.com/3", { kind: "subzoneWildcards", rule: "*..example.com/3", zone: "example.com", maxDepth: 3 }],
    ["*../127", { kind: "subzoneWildcards", rule: "*../127", zone: "", maxDepth: 127 }],
    ["=Host.Example.com.", { kind: "exact", rule: "=host.example.com", name: "host.example.com" }],
    ["=*.example.com", { kind: "exact", rule: "=*.example.com", name: "*.example.com" }],
  ])("reads %s", (text, expected) => {
    expect(parseDnsRule(text)).toEqual(expected);
  });

  it.each([
    ["example.com", 'a rule starts with ".", "*.", "*.." or "="; for exactly this name write =example.com'],
    [".example.com", ".zone needs its depth, as in .example.com/1"],
    ["*..example.com", "*..zone needs its depth, as in *..example.com/1"],
    [".example.com/0", "the depth N must be a whole number from 1 to 127, as in .example.com/1"],
    [".example.com/128", "the depth N must be a whole number from 1 to 127, as in .example.com/1"],
    [".example.com/x", "the depth N must be a whole number from 1 to 127, as in .example.com/1"],
    ["*.example.com/2", "*.zone takes no depth; for wildcards of subzones write *..zone/N"],
    ["..example.com/2", ".zone/N needs a zone such as example.com, or nothing for every zone"],
    [".exa mple.com/2", "a rule has no spaces"],
    [" .example.com/2", "a rule has no spaces"],
    [".*.example.com/2", ".zone/N needs a zone such as example.com, or nothing for every zone"],
    ["=", "=name needs a DNS name such as host.example.com or *.example.com"],
    ["=a..example.com", "=name needs a DNS name such as host.example.com or *.example.com"],
    ["=a.*.example.com", "=name needs a DNS name such as host.example.com or *.example.com"],
    ["=10.0.0.1", "an IP address is not a DNS name; list it under ip.allow"],
    ["*.", "*.zone needs a zone such as example.com"],
    ["*", 'a rule starts with ".", "*.", "*.." or "="'],
  ])("refuses %j", (text, reason) => {
    expect(parseDnsRule(text)).toEqual({ reason });
  });
});

describe("matchesDnsRule", () => {
  it.each<[string, string, boolean]>([
    // .zone/N: non-wildcard names 1..N labels below the zone; never the apex
    [".example.com/2", "a.example.com", true],
    [".example.com/2", "b.a.example.com", true],
    [".example.com/2", "c.b.a.example.com", false],
    [".example.com/2", "example.com", false],
    [".example.com/2", "*.example.com", false],
    [".example.com/2", "*.a.example.com", false],
    [".example.com/2", "a.example.org", false],
    [".example.com/2", "aexample.com", false],
    [".example.com/2", "a.example.com.evil.test", false],
    [".example.com/1", "a.example.com", true],
    [".example.com/1", "b.a.example.com", false],
    // case and trailing dot are dropped before matching; broken names never match
    [".example.com/1", "WWW.Example.COM.", true],
    [".example.com/2", "a..example.com", false],
    [".example.com/2", " a.example.com", false],
    [".example.com/2", "a b.example.com", false],
    [".example.com/2", "", false],
    // *.zone: exactly that wildcard
    ["*.example.com", "*.example.com", true],
    ["*.example.com", "*.EXAMPLE.com.", true],
    ["*.example.com", "a.example.com", false],
    ["*.example.com", "example.com", false],
    ["*.example.com", "*.a.example.com", false],
    // *..zone/N: wildcards of subzones 1..N labels below the zone, not of the zone itself
    ["*..example.com/2", "*.a.example.com", true],
    ["*..example.com/2", "*.b.a.example.com", true],
    ["*..example.com/2", "*.c.b.a.example.com", false],
    ["*..example.com/2", "*.example.com", false],
    ["*..example.com/2", "a.example.com", false],
    ["*..example.com/2", "b.a.example.com", false],
    ["*..example.com/1", "*.a.example.com", true],
    ["*..example.com/1", "*.b.a.example.com", false],
    // =name: exactly that name
    ["=example.com", "example.com", true],
    ["=example.com", "a.example.com", false],
    ["=example.com", "*.example.com", false],
    ["=*.example.com", "*.example.com", true],
    ["=*.example.com", "a.example.com", false],
    // the root zone: every name of up to N labels
    ["./127", "a.b.c.d.e.f.example.com", true],
    ["./127", "localhost", true],
    ["./127", "*.example.com", false],
    ["./1", "localhost", true],
    ["./1", "a.localhost", false],
    ["*../127", "*.example.com", true],
    ["*../127", "*.com", true],
    ["*../127", "example.com", false],
  ])("%s against %j → %s", (text, name, expected) => {
    expect(matchesDnsRule(rule(text), name)).toBe(expected);
  });
});
