/**
 * The `dns-validation-profiles` section (behaviour reference §3.4): the default profile when it
 * is absent, how profiles become `ValidationProfile`s, and every refusal naming its key path.
 */
import { describe, expect, it } from "vitest";
import { parseConfigText } from "../../src/config/load.js";
import { configWarnings } from "../../src/config/warnings.js";
import type { ValidationProfile } from "../../src/validation/profile.js";
import { MINIMAL, errorLines } from "./helpers.js";

const v4 = (address: string, prefixLength: number) => ({ address, prefixLength, family: "ipv4" });
const v6 = (address: string, prefixLength: number) => ({ address, prefixLength, family: "ipv6" });

/** `section` is the text under `dns-validation-profiles:` */
const profiles = (section: string): readonly ValidationProfile[] =>
  parseConfigText(`${MINIMAL}dns-validation-profiles:\n${section}`, "config.yml").dnsValidationProfiles;
const errorsFor = (section: string): string[] => errorLines(`${MINIMAL}dns-validation-profiles:\n${section}`);

/** A valid profile named `name`; `extra` adds keys at the profile's indentation. */
const profile = (name: string, extra = "") => `  - name: ${name}\n    resolved-ip-policy:\n      deny-cidrs:\n        - 169.254.0.0/16\n${extra}`;

describe("without the section", () => {
  it("has one profile, default: system resolver for every name, private networks allowed, loopback/metadata/multicast denied", () => {
    expect(parseConfigText(MINIMAL, "config.yml").dnsValidationProfiles).toEqual([
      {
        name: "default",
        timeoutMs: 10_000,
        zones: [{ suffixes: [""], dnsServers: [], protocol: "udp" }],
        allowCidrs: [v4("0.0.0.0", 0), v6("::", 0)],
        denyCidrs: [
          v4("127.0.0.0", 8),
          v6("::1", 128),
          v4("169.254.0.0", 16),
          v6("fe80::", 10),
          v6("fd00:ec2::254", 128),
          v4("0.0.0.0", 8),
          v6("::", 128),
          v4("224.0.0.0", 4),
          v6("ff00::", 8),
        ],
        ports: { http01: 80, tlsAlpn01: 443 },
      },
    ]);
  });

  it("gives no startup warning", () => {
    expect(configWarnings(parseConfigText(MINIMAL, "config.yml"))).toEqual([]);
  });
});

describe("a written profile", () => {
  it("gets the defaults of every key it leaves out: local, 10s, system resolver everywhere, ports 80 and 443", () => {
    expect(profiles(profile("internal"))).toEqual([
      {
        name: "internal",
        timeoutMs: 10_000,
        zones: [{ suffixes: [""], dnsServers: [], protocol: "udp" }],
        // a deny list alone means every other address
        allowCidrs: [v4("0.0.0.0", 0), v6("::", 0)],
        denyCidrs: [v4("169.254.0.0", 16)],
        ports: { http01: 80, tlsAlpn01: 443 },
      },
    ]);
  });

  it("reads every key, canonicalising suffixes and DNS servers", () => {
    const [only] = profiles(`  - name: corp
    mode: local
    timeout: 1m30s
    zones:
      - suffixes:
          - Corp.Example.COM.
          - lab.example.net
        dns-server:
          - 10.0.0.53
          - 10.0.0.54:5353
          - "[2001:DB8::53]"
          - "[::1]:5300"
        protocol: tcp
        authoritative: false
        dnssec: false
      - suffixes:
          - "."
        system: true
    resolved-ip-policy:
      allow-cidrs:
        - 10.0.0.0/8
        - fd00::/8
        - 192.0.2.7
    ports:
      http-01: 5002
      tls-alpn-01: 5001
`);
    expect(only).toEqual({
      name: "corp",
      timeoutMs: 90_000,
      zones: [
        {
          suffixes: ["corp.example.com", "lab.example.net"],
          dnsServers: ["10.0.0.53:53", "10.0.0.54:5353", "[2001:db8::53]:53", "[::1]:5300"],
          protocol: "tcp",
        },
        { suffixes: [""], dnsServers: [], protocol: "udp" },
      ],
      allowCidrs: [v4("10.0.0.0", 8), v6("fd00::", 8), v4("192.0.2.7", 32)],
      denyCidrs: [],
      ports: { http01: 5002, tlsAlpn01: 5001 },
    });
  });

  it("takes dns-server as one string too, and system: false beside it", () => {
    const [only] = profiles(`${profile("corp")}    zones:\n      - suffixes:\n          - corp.example.com\n        system: false\n        dns-server: 10.1.2.3\n`);
    expect(only?.zones).toEqual([{ suffixes: ["corp.example.com"], dnsServers: ["10.1.2.3:53"], protocol: "udp" }]);
  });

  it("keeps several profiles in order", () => {
    expect(profiles(`${profile("a")}${profile("b")}`).map((p) => p.name)).toEqual(["a", "b"]);
  });
});

describe("refusals", () => {
  it("refuses a profile with neither allow-cidrs nor deny-cidrs, saying how to allow everything on purpose", () => {
    const expected =
      "expected allow-cidrs, deny-cidrs or both (with neither, validation could reach any address, 169.254.169.254 included); to allow every address on purpose, write allow-cidrs with the items - 0.0.0.0/0 and - ::/0";
    expect(errorsFor("  - name: internal\n")).toEqual([`config.yml: dns-validation-profiles.0.resolved-ip-policy: ${expected}`]);
    expect(errorsFor(`${profile("a")}  - name: b\n    resolved-ip-policy:\n`)).toEqual([
      `config.yml: dns-validation-profiles.1.resolved-ip-policy: ${expected}`,
    ]);
  });

  it("accepts the allow-everything profile the message describes, and warns about it at startup", () => {
    const config = parseConfigText(
      `${MINIMAL}dns-validation-profiles:\n  - name: open\n    resolved-ip-policy:\n      allow-cidrs:\n        - 0.0.0.0/0\n        - ::/0\n`,
      "config.yml",
    );
    expect(config.dnsValidationProfiles[0]?.denyCidrs).toEqual([]);
    expect(configWarnings(config)).toEqual([
      'dns-validation-profiles "open" lets challenge validation connect to 127.0.0.1 (loopback), ::1 (loopback), 169.254.169.254 (cloud metadata), fd00:ec2::254 (cloud metadata): an ACME client could make this server probe them',
    ]);
  });

  it("warns only about the sensitive addresses a profile leaves reachable", () => {
    const config = parseConfigText(`${MINIMAL}dns-validation-profiles:\n${profile("lab")}`, "config.yml");
    expect(configWarnings(config)).toEqual([
      'dns-validation-profiles "lab" lets challenge validation connect to 127.0.0.1 (loopback), ::1 (loopback), fd00:ec2::254 (cloud metadata): an ACME client could make this server probe them',
    ]);
    const narrow = parseConfigText(
      `${MINIMAL}dns-validation-profiles:\n  - name: lan\n    resolved-ip-policy:\n      allow-cidrs:\n        - 10.0.0.0/8\n`,
      "config.yml",
    );
    expect(configWarnings(narrow)).toEqual([]);
  });

  it("refuses duplicate profile names", () => {
    expect(errorsFor(`${profile("corp")}${profile("lab")}${profile("corp")}`)).toEqual([
      'config.yml: dns-validation-profiles.2.name: expected a unique profile name, got "corp" again (first at dns-validation-profiles.0)',
    ]);
  });

  it("refuses a missing or blank name", () => {
    expect(errorsFor("  - resolved-ip-policy:\n      deny-cidrs:\n        - 127.0.0.0/8\n")).toEqual([
      "config.yml: dns-validation-profiles.0.name: expected a profile name such as default or internal (text without leading or trailing spaces), got nothing (the key is missing)",
    ]);
    expect(errorsFor(profile('" "'))[0]).toBe(
      'config.yml: dns-validation-profiles.0.name: expected a profile name such as default or internal (text without leading or trailing spaces), got " "',
    );
  });

  it("refuses mode remote as not implemented, and any other mode", () => {
    expect(errorsFor(profile("a", "    mode: remote\n"))).toEqual([
      'config.yml: dns-validation-profiles.0.mode: mode "remote" is not implemented: validation always runs on this node; use mode: local',
    ]);
    expect(errorsFor(profile("a", "    mode: agent\n"))).toEqual(['config.yml: dns-validation-profiles.0.mode: expected local, got "agent"']);
  });

  it("refuses a zero or unit-less timeout", () => {
    expect(errorsFor(profile("a", "    timeout: 0s\n"))).toEqual([
      'config.yml: dns-validation-profiles.0.timeout: expected a duration such as 500ms, 30s, 2m or 720h, got "0s" (an explicit 0 is refused: it would remove the deadline)',
    ]);
    expect(errorsFor(profile("a", "    timeout: 10\n"))).toEqual([
      "config.yml: dns-validation-profiles.0.timeout: expected a duration such as 500ms, 30s, 2m or 720h (a number needs a unit), got 10",
    ]);
  });

  it.each(['""', ".corp.example.com", '"*.corp.example.com"', "corp_example.com", "10 .example"])("refuses the zone suffix %s", (suffix) => {
    expect(errorsFor(profile("a", `    zones:\n      - suffixes:\n          - ${suffix}\n`))).toEqual([
      `config.yml: dns-validation-profiles.0.zones.0.suffixes.0: expected a zone name such as corp.example.com (no leading dot, no wildcard), or "." for every name, got ${JSON.stringify(suffix.replace(/^"(.*)"$/, "$1"))}`,
    ]);
  });

  it("refuses a zone without suffixes", () => {
    expect(errorsFor(profile("a", "    zones:\n      - system: true\n"))).toEqual([
      `config.yml: dns-validation-profiles.0.zones.0.suffixes: expected a list of zone names (or "." for every name) (use '-' items), got nothing (the key is missing)`,
    ]);
  });

  it("refuses a suffix listed twice in one profile, even written differently", () => {
    const zones = "    zones:\n      - suffixes:\n          - corp.example.com\n      - suffixes:\n          - \".\"\n          - CORP.example.com.\n        dns-server: 10.0.0.53\n";
    expect(errorsFor(profile("a", zones))).toEqual([
      'config.yml: dns-validation-profiles.0.zones.1.suffixes.1: expected each zone suffix once per profile, got "corp.example.com" again (first at zones.0.suffixes.0)',
    ]);
  });

  it("refuses a zone with no resolver, or with both the system resolver and dns-server", () => {
    expect(errorsFor(profile("a", "    zones:\n      - suffixes:\n          - \".\"\n        system: false\n"))).toEqual([
      "config.yml: dns-validation-profiles.0.zones.0.system: expected dns-server when system is false (the zone needs a resolver), got no dns-server",
    ]);
    expect(errorsFor(profile("a", "    zones:\n      - suffixes:\n          - \".\"\n        system: true\n        dns-server: 10.0.0.53\n"))).toEqual([
      "config.yml: dns-validation-profiles.0.zones.0.system: expected no system: true with dns-server (the listed servers replace the system resolver), got true",
    ]);
  });

  it.each(["dns.corp.example.com", "::1", "10.0.0.53:0", "10.0.0.53:65536", "[::1]:x"])("refuses the DNS server %s, naming the item", (server) => {
    const zone = `    zones:\n      - suffixes:\n          - "."\n        dns-server:\n          - 10.0.0.53\n          - "${server}"\n`;
    expect(errorsFor(profile("a", zone))).toEqual([
      `config.yml: dns-validation-profiles.0.zones.0.dns-server.1: expected an IP address with an optional port such as 10.0.0.53, 10.0.0.53:5353 or [2001:db8::53]:53, got "${server}"`,
    ]);
  });

  it("refuses a bad single dns-server at the key itself", () => {
    expect(errorsFor(profile("a", "    zones:\n      - suffixes:\n          - \".\"\n        dns-server: resolver.local\n"))).toEqual([
      'config.yml: dns-validation-profiles.0.zones.0.dns-server: expected an IP address with an optional port such as 10.0.0.53, 10.0.0.53:5353 or [2001:db8::53]:53, got "resolver.local"',
    ]);
  });

  it("refuses authoritative: true and dnssec: true as not supported yet", () => {
    const zone = "    zones:\n      - suffixes:\n          - \".\"\n        authoritative: true\n        dnssec: true\n";
    expect(errorsFor(profile("a", zone))).toEqual([
      "config.yml: dns-validation-profiles.0.zones.0.authoritative: true is not supported yet: the validator cannot require authoritative answers; remove the key or set it to false",
      "config.yml: dns-validation-profiles.0.zones.0.dnssec: true is not supported yet: the validator cannot check DNSSEC signatures; remove the key or set it to false",
    ]);
  });

  it("refuses an unknown protocol", () => {
    expect(errorsFor(profile("a", "    zones:\n      - suffixes:\n          - \".\"\n        protocol: doh\n"))).toEqual([
      'config.yml: dns-validation-profiles.0.zones.0.protocol: expected one of udp, tcp, got "doh"',
    ]);
  });

  it("refuses a bad CIDR and a flow sequence of CIDRs", () => {
    expect(errorsFor("  - name: a\n    resolved-ip-policy:\n      deny-cidrs:\n        - 10.0.0.0/33\n")).toEqual([
      'config.yml: dns-validation-profiles.0.resolved-ip-policy.deny-cidrs.0: expected a CIDR such as 10.0.0.0/8, or an IP address, got "10.0.0.0/33"',
    ]);
    expect(errorsFor('  - name: a\n    resolved-ip-policy:\n      allow-cidrs: ["0.0.0.0/0", "::/0"]\n')).toEqual([
      'config.yml: dns-validation-profiles.0.resolved-ip-policy.allow-cidrs: expected sequence (use \'-\' items), got flow sequence ["0.0.0.0/0", "::/0"] at line 8',
    ]);
  });

  it("refuses ports outside 1..65535", () => {
    expect(errorsFor(profile("a", "    ports:\n      http-01: 0\n      tls-alpn-01: 70000\n"))).toEqual([
      "config.yml: dns-validation-profiles.0.ports.http-01: expected a port number from 1 to 65535, got 0",
      "config.yml: dns-validation-profiles.0.ports.tls-alpn-01: expected a port number from 1 to 65535, got 70000",
    ]);
  });

  it("refuses an empty section, a mapping instead of a list, and unknown keys", () => {
    expect(errorsFor("")).toEqual([
      "config.yml: dns-validation-profiles: expected a list of DNS validation profiles (use '-' items), got an empty value",
    ]);
    expect(errorLines(`${MINIMAL}dns-validation-profiles:\n  name: default\n`)).toEqual([
      "config.yml: dns-validation-profiles: expected a list of DNS validation profiles (use '-' items), got a mapping",
    ]);
    expect(errorsFor(profile("a", "    zones:\n      - suffixes:\n          - \".\"\n        recursive: true\n"))).toEqual([
      "config.yml: dns-validation-profiles.0.zones.0.recursive: unknown key; expected one of: suffixes, system, dns-server, authoritative, dnssec, protocol",
    ]);
    expect(errorsFor(profile("a", "    ports:\n      dns-01: 53\n"))).toEqual([
      "config.yml: dns-validation-profiles.0.ports.dns-01: unknown key; expected one of: http-01, tls-alpn-01",
    ]);
  });
});
