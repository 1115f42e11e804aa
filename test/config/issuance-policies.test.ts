import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_CSR_POLICY } from "../../src/acme/csr/policy.js";
import { loadConfig, parseConfigText } from "../../src/config/load.js";
import { configWarnings } from "../../src/config/warnings.js";
import { choosePolicy, policyAccepts } from "../../src/domain/policy/index.js";
import { MINIMAL, errorLines } from "./helpers.js";

const load = (section: string) => parseConfigText(`${MINIMAL}${section}`, "config.yml");
const policiesOf = (section: string) => load(section).issuancePolicies;
const errorsOf = (section: string) => errorLines(`${MINIMAL}${section}`);

/** One policy named web allowing `.example.com/2`, with `extra` lines (4-space indented keys) added. */
const webPolicy = (extra = "") => `issuance-policies:\n  - name: web\n    dns:\n      allow:\n        - .example.com/2\n${extra}`;

const TWO_DNS_PROFILES = `dns-validation-profiles:
  - name: internal
    resolved-ip-policy:
      allow-cidrs:
        - 10.0.0.0/8
  - name: dmz
    resolved-ip-policy:
      allow-cidrs:
        - 192.0.2.0/24
`;

describe("issuance-policies: without the section", () => {
  it("has one implicit policy, default, allowing every DNS name and IP address with the default CSR rules", () => {
    const [policy, ...others] = policiesOf("");
    expect(others).toEqual([]);
    expect(policy).toMatchObject({ name: "default", csr: DEFAULT_CSR_POLICY, acmeProfile: null, dnsValidationProfile: "default" });
    if (policy === undefined) return;
    const allowed = ["localhost", "example.com", "www.example.com", "a.b.c.d.e.f.g.h.example.com", "*.example.com", "*.a.b.c.example.com", "*.com"];
    for (const name of allowed) expect(policyAccepts(policy, { type: "dns", value: name }), name).toBe(true);
    for (const address of ["10.0.0.1", "203.0.113.7", "2001:db8::1", "::1"]) {
      expect(policyAccepts(policy, { type: "ip", value: address }), address).toBe(true);
    }
  });

  it("leaves the validation profile to the validator's zone choice when there are several", () => {
    expect(policiesOf(TWO_DNS_PROFILES)[0]?.dnsValidationProfile).toBeNull();
  });

  it("offers no ACME profile", () => {
    expect(choosePolicy(policiesOf(""), [{ type: "dns", value: "www.example.com" }], "default")).toMatchObject({ ok: false, error: { type: "invalidProfile" } });
  });
});

describe("issuance-policies: a written section", () => {
  it("reads every key, camelCase out, in declaration order", () => {
    const policies = policiesOf(`issuance-policies:
  - name: web
    dns-validation-profile: default
    acme-profile:
      name: web
      description: " Web servers, 90 days "
    dns:
      allow:
        - .Example.COM./2
        - "*..example.com/1"
        - =example.com
      deny:
        - =admin.example.com
    ip:
      allow:
        - 10.0.0.0/8
        - 2001:db8::1
    signature:
      allowed-algorithms:
        - ECDSA-SHA256
        - ED25519
        - ECDSA-SHA256
      min-rsa-bits: 4096
      allowed-ec-curves:
        - P-384
        - P-521
    csr:
      allowed-extra-eku:
        - clientAuth
        - OCSPSIGNING
        - 1.3.6.1.4.1.311.10.3.4
  - name: fallback
    dns:
      allow:
        - .example.org/1
`);
    expect(policies).toEqual([
      {
        name: "web",
        dns: {
          allow: [
            { kind: "subdomains", rule: ".example.com/2", zone: "example.com", maxDepth: 2 },
            { kind: "subzoneWildcards", rule: "*..example.com/1", zone: "example.com", maxDepth: 1 },
            { kind: "exact", rule: "=example.com", name: "example.com" },
          ],
          deny: [{ kind: "exact", rule: "=admin.example.com", name: "admin.example.com" }],
        },
        ipAllow: [
          { address: "10.0.0.0", prefixLength: 8, family: "ipv4" },
          { address: "2001:db8::1", prefixLength: 128, family: "ipv6" },
        ],
        csr: {
          minRsaBits: 4096,
          allowedEcCurves: ["P-384", "P-521"],
          allowedAlgorithms: ["ECDSA-SHA256", "ED25519"],
          allowedExtraEkus: ["1.3.6.1.5.5.7.3.2", "1.3.6.1.5.5.7.3.9", "1.3.6.1.4.1.311.10.3.4"],
        },
        acmeProfile: { name: "web", description: "Web servers, 90 days" },
        dnsValidationProfile: "default",
      },
      {
        name: "fallback",
        dns: { allow: [{ kind: "subdomains", rule: ".example.org/1", zone: "example.org", maxDepth: 1 }], deny: [] },
        ipAllow: [],
        csr: DEFAULT_CSR_POLICY,
        acmeProfile: null,
        dnsValidationProfile: "default",
      },
    ]);
  });

  it("applies the default signature rules to keys left out; an empty algorithm list means the default set", () => {
    const [policy] = policiesOf(webPolicy("    signature:\n      allowed-algorithms:\n"));
    expect(policy?.csr).toEqual(DEFAULT_CSR_POLICY);
  });

  it("replaces the default algorithms with a written list, and allows no curve to an RSA-only policy", () => {
    const [policy] = policiesOf(webPolicy("    signature:\n      allowed-algorithms:\n        - RSA-SHA256\n      min-rsa-bits: 2048\n"));
    expect(policy?.csr).toEqual({ minRsaBits: 2048, allowedEcCurves: [], allowedAlgorithms: ["RSA-SHA256"], allowedExtraEkus: [] });
  });

  it("gives the only DNS validation profile to a policy that names none, and the named one otherwise", () => {
    expect(policiesOf(webPolicy())[0]?.dnsValidationProfile).toBe("default");
    expect(policiesOf(`${TWO_DNS_PROFILES}${webPolicy("    dns-validation-profile: dmz\n")}`)[0]?.dnsValidationProfile).toBe("dmz");
  });

  it("lets newOrder pick the first policy that allows every name", () => {
    const policies = policiesOf(`issuance-policies:
  - name: narrow
    dns:
      allow:
        - =www.example.com
  - name: broad
    dns:
      allow:
        - .example.com/3
`);
    const pick = (value: string) => {
      const choice = choosePolicy(policies, [{ type: "dns", value }], null);
      return choice.ok ? choice.policy.name : choice.error.type;
    };
    expect(pick("www.example.com")).toBe("narrow");
    expect(pick("api.example.com")).toBe("broad");
    expect(pick("www.example.org")).toBe("rejectedIdentifier");
  });
});

describe("issuance-policies: refusals name the key path", () => {
  it.each<[string, string, string[]]>([
    ["an empty section", "issuance-policies:\n", ["issuance-policies: expected a list of issuance policies (use '-' items), got an empty value"]],
    [
      "a missing name",
      "issuance-policies:\n  - dns:\n      allow:\n        - .a.test/1\n",
      ['issuance-policies.0.name: expected a policy name of lower-case letters, digits and "-", starting with a letter or digit, at most 64 characters, got nothing (the key is missing)'],
    ],
    [
      "a name with capitals or underscores",
      "issuance-policies:\n  - name: Web_1\n    dns:\n      allow:\n        - .a.test/1\n",
      ['issuance-policies.0.name: expected a policy name of lower-case letters, digits and "-", starting with a letter or digit, at most 64 characters, got "Web_1"'],
    ],
    [
      "a name longer than 64 characters",
      `issuance-policies:\n  - name: ${"a".repeat(65)}\n    dns:\n      allow:\n        - .a.test/1\n`,
      [`issuance-policies.0.name: expected a policy name of lower-case letters, digits and "-", starting with a letter or digit, at most 64 characters, got "${"a".repeat(65)}"`],
    ],
    [
      "a name used twice",
      "issuance-policies:\n  - name: web\n    dns:\n      allow:\n        - .a.test/1\n  - name: web\n    dns:\n      allow:\n        - .b.test/1\n",
      ['issuance-policies.1.name: expected a unique policy name, got "web" again (first at issuance-policies.0.name)'],
    ],
    ["no dns section", "issuance-policies:\n  - name: web\n", ["issuance-policies.0.dns.allow: expected a list of DNS rules (use '-' items), got nothing (the key is missing)"]],
    ["an empty allow list", "issuance-policies:\n  - name: web\n    dns:\n      allow:\n", ["issuance-policies.0.dns.allow: expected a list of DNS rules (use '-' items), got an empty value"]],
    [
      "a rule outside the grammar",
      webPolicy("        - www.example.com\n"),
      [
        'issuance-policies.0.dns.allow.1: expected a DNS rule: .zone/N (names 1 to N labels below zone), *.zone (that wildcard only), *..zone/N (wildcards of subzones 1 to N labels below zone) or =name (exactly that name), got "www.example.com" (a rule starts with ".", "*.", "*.." or "="; for exactly this name write =www.example.com)',
      ],
    ],
    [
      "a deny rule with a bad depth",
      webPolicy("      deny:\n        - .example.com/200\n"),
      [
        'issuance-policies.0.dns.deny.0: expected a DNS rule: .zone/N (names 1 to N labels below zone), *.zone (that wildcard only), *..zone/N (wildcards of subzones 1 to N labels below zone) or =name (exactly that name), got ".example.com/200" (the depth N must be a whole number from 1 to 127, as in .example.com/1)',
      ],
    ],
    ["an unknown key", webPolicy("    template: WebServer\n"), ["issuance-policies.0.template: unknown key; expected one of: name, dns-validation-profile, acme-profile, dns, ip, signature, csr"]],
    ["a bad CIDR", webPolicy("    ip:\n      allow:\n        - 10.0.0.0/33\n"), ['issuance-policies.0.ip.allow.0: expected a CIDR such as 10.0.0.0/8, or an IP address, got "10.0.0.0/33"']],
    [
      "an unknown signature algorithm",
      webPolicy("    signature:\n      allowed-algorithms:\n        - RSA-SHA1\n"),
      ['issuance-policies.0.signature.allowed-algorithms.0: expected one of RSA-SHA256, RSA-SHA384, RSA-SHA512, ECDSA-SHA256, ECDSA-SHA384, ECDSA-SHA512, ED25519, got "RSA-SHA1"'],
    ],
    [
      "min-rsa-bits under the floor",
      webPolicy("    signature:\n      min-rsa-bits: 1024\n"),
      ["issuance-policies.0.signature.min-rsa-bits: expected a whole number of bits from 2048 (the floor) to 8192 (larger RSA keys are always refused), got 1024"],
    ],
    [
      "min-rsa-bits no key can meet",
      webPolicy("    signature:\n      min-rsa-bits: 16384\n"),
      ["issuance-policies.0.signature.min-rsa-bits: expected a whole number of bits from 2048 (the floor) to 8192 (larger RSA keys are always refused), got 16384"],
    ],
    [
      "an unknown curve",
      webPolicy("    signature:\n      allowed-ec-curves:\n        - P-192\n"),
      ['issuance-policies.0.signature.allowed-ec-curves.0: expected one of P-256, P-384, P-521, got "P-192"'],
    ],
    [
      "serverAuth as an extra EKU, and an unknown name",
      webPolicy("    csr:\n      allowed-extra-eku:\n        - serverAuth\n        - smartcardLogon\n        - 1.50.1\n"),
      [
        'issuance-policies.0.csr.allowed-extra-eku.0: expected clientAuth, codeSigning, emailProtection, timeStamping, ocspSigning, anyPurpose or a dotted OID such as 1.3.6.1.5.5.7.3.2, got "serverAuth" (serverAuth is always allowed and is not listed)',
        'issuance-policies.0.csr.allowed-extra-eku.1: expected clientAuth, codeSigning, emailProtection, timeStamping, ocspSigning, anyPurpose or a dotted OID such as 1.3.6.1.5.5.7.3.2, got "smartcardLogon" (not a known name or a dotted OID)',
        'issuance-policies.0.csr.allowed-extra-eku.2: expected clientAuth, codeSigning, emailProtection, timeStamping, ocspSigning, anyPurpose or a dotted OID such as 1.3.6.1.5.5.7.3.2, got "1.50.1" (not a valid OID: under arc 0 or 1 the second arc is below 40)',
      ],
    ],
    [
      "an ACME profile with a bad name and no description",
      webPolicy('    acme-profile:\n      name: "web server"\n'),
      [
        'issuance-policies.0.acme-profile.name: expected a profile name of 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit, got "web server"',
        "issuance-policies.0.acme-profile.description: expected a sentence describing the profile, got nothing (the key is missing)",
      ],
    ],
    [
      "an ACME profile offered by two policies",
      "issuance-policies:\n  - name: a\n    acme-profile:\n      name: tls\n      description: a\n    dns:\n      allow:\n        - .a.test/1\n  - name: b\n    acme-profile:\n      name: tls\n      description: b\n    dns:\n      allow:\n        - .b.test/1\n",
      ['issuance-policies.1.acme-profile.name: expected a unique ACME profile name, got "tls" again (first at issuance-policies.0.acme-profile.name)'],
    ],
    [
      "a policy that can issue nothing",
      "issuance-policies:\n  - name: web\n    dns:\n      allow:\n        - =www.a.test\n        - .a.test/2\n      deny:\n        - .a.test/3\n",
      [
        "issuance-policies.0.dns.allow: expected at least one rule dns.deny does not cancel entirely, got only rules whose every name dns.deny denies (with no ip.allow either, the policy could issue nothing)",
      ],
    ],
    [
      "an unknown DNS validation profile",
      webPolicy("    dns-validation-profile: internal\n"),
      ['issuance-policies.0.dns-validation-profile: expected the name of a dns-validation-profiles entry (default), got "internal"'],
    ],
    [
      "no DNS validation profile while there are several",
      `${TWO_DNS_PROFILES}${webPolicy()}`,
      ["issuance-policies.0.dns-validation-profile: expected one of internal, dmz (required when there are several DNS validation profiles), got nothing (the key is missing)"],
    ],
  ])("refuses %s", (_what, section, lines) => {
    expect(errorsOf(section)).toEqual(lines.map((line) => `config.yml: ${line}`));
  });

  it("accepts a policy whose DNS rules are all denied when it allows IP addresses", () => {
    const [policy] = policiesOf(webPolicy("      deny:\n        - .example.com/2\n    ip:\n      allow:\n        - 10.0.0.0/8\n"));
    expect(policy?.name).toBe("web");
  });
});

describe("issuance-policies: startup warnings", () => {
  it("says nothing for the implicit policy or a plain written one", () => {
    expect(configWarnings(load(""))).toEqual([]);
    expect(configWarnings(load(webPolicy()))).toEqual([]);
  });

  it("reports entries that cannot take effect, and anyPurpose, one line each", () => {
    const config = load(
      webPolicy(
        "        - =www.example.com\n      deny:\n        - =www.example.com\n    signature:\n      allowed-algorithms:\n        - RSA-SHA256\n      allowed-ec-curves:\n        - P-256\n    csr:\n      allowed-extra-eku:\n        - anyPurpose\n",
      ),
    );
    expect(configWarnings(config)).toEqual([
      'issuance-policies "web": dns.allow rule "=www.example.com" cannot take effect: dns.deny denies every name it allows',
      'issuance-policies "web": signature.allowed-ec-curves P-256 cannot take effect: signature.allowed-algorithms has no ECDSA algorithm, so EC keys are refused',
      'issuance-policies "web": csr.allowed-extra-eku allows anyPurpose (2.5.29.37.0): CSRs may ask for certificates valid for every purpose, the ADCS ESC2 abuse',
    ]);
  });
});

describe("config.example.yml", () => {
  it("writes out exactly the implicit default policy", () => {
    const example = loadConfig(resolve(import.meta.dirname, "../../config.example.yml"));
    expect(example.issuancePolicies).toEqual(policiesOf(""));
  });
});
