import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadConfig, parseConfigText } from "../../src/config/load.js";
import { configWarnings } from "../../src/config/warnings.js";
import { MINIMAL, errorLines } from "./helpers.js";

const load = (sections: string) => parseConfigText(`${MINIMAL}${sections}`, "config.yml");
const errorsOf = (sections: string) => errorLines(`${MINIMAL}${sections}`);

/** An adcs-cli authority item; `configuration` lines are indented 6 spaces. */
const adcs = (name: string, configuration = "      ca-name: PKI\\LAB-RootCA\n      certificate-template: WebServerACME\n") =>
  `  - name: ${name}\n    type: adcs-cli\n    configuration:\n${configuration}`;

const TWO_POLICIES = `issuance-policies:
  - name: web
    dns:
      allow:
        - .example.com/2
  - name: mail
    dns:
      allow:
        - .mail.example.com/1
`;

const LOCAL_DEFAULT = { name: "local", type: "local", policies: [], disableCaRevocation: false };

describe("authorities and policy-bindings: without the sections", () => {
  it("runs the embedded CA alone, bound to the implicit default policy", () => {
    const config = load("");
    expect(config.authorities).toEqual([LOCAL_DEFAULT]);
    expect(config.policyBindings).toEqual([{ policy: "default", authorities: ["local"], strategy: "first_available" }]);
  });

  it("binds every issuance policy to the only authority, first_available", () => {
    const config = load(`${TWO_POLICIES}authorities:\n${adcs("corp-ca")}`);
    expect(config.policyBindings).toEqual([
      { policy: "web", authorities: ["corp-ca"], strategy: "first_available" },
      { policy: "mail", authorities: ["corp-ca"], strategy: "first_available" },
    ]);
  });

  it("accepts bindings that name the implicit local authority and the implicit default policy", () => {
    const config = load("policy-bindings:\n  - policy: default\n    authorities:\n      - local\n    strategy: round_robin\n");
    expect(config.authorities).toEqual([LOCAL_DEFAULT]);
    expect(config.policyBindings).toEqual([{ policy: "default", authorities: ["local"], strategy: "round_robin" }]);
  });
});

describe("authorities and policy-bindings: written sections", () => {
  it("reads every key, camelCase out, and applies the adcs-cli defaults", () => {
    const config = load(`${TWO_POLICIES}authorities:
  - name: adcs-ec
    type: adcs-cli
    policies:
      - web
      - web
    disable-ca-revocation: true
    configuration:
      ca-name: PKI\\LAB-RootCA
      certificate-template: WebServerEC
      default-timeout: 90s
      certreq-path: C:\\Windows\\System32\\certreq.exe
      certutil-path: /opt/fake/certutil
${adcs("adcs-rsa")}  - name: local
    type: local
policy-bindings:
  - policy: web
    authorities:
      - adcs-ec
      - adcs-rsa
    strategy: round_robin
  - policy: mail
    authorities:
      - local
`);
    expect(config.authorities).toEqual([
      {
        name: "adcs-ec",
        type: "adcs-cli",
        policies: ["web"],
        disableCaRevocation: true,
        caName: "PKI\\LAB-RootCA",
        certificateTemplate: "WebServerEC",
        certreqPath: "C:\\Windows\\System32\\certreq.exe",
        certutilPath: "/opt/fake/certutil",
        defaultTimeoutMs: 90_000,
      },
      {
        name: "adcs-rsa",
        type: "adcs-cli",
        policies: [],
        disableCaRevocation: false,
        caName: "PKI\\LAB-RootCA",
        certificateTemplate: "WebServerACME",
        certreqPath: "certreq",
        certutilPath: "certutil",
        defaultTimeoutMs: 240_000,
      },
      LOCAL_DEFAULT,
    ]);
    expect(config.policyBindings).toEqual([
      { policy: "web", authorities: ["adcs-ec", "adcs-rsa"], strategy: "round_robin" },
      { policy: "mail", authorities: ["local"], strategy: "first_available" },
    ]);
  });

  it.each([["certreq.exe"], ["/usr/local/bin/fake-certreq"], ["\\\\fileserver\\tools\\certreq.exe"], ["D:/tools/certreq.exe"]])(
    "accepts certreq-path %s (absolute or a bare name)",
    (path) => {
      const [authority] = load(`authorities:\n${adcs("ca", `      ca-name: PKI\\LAB-RootCA\n      certificate-template: Web\n      certreq-path: '${path}'\n`)}`).authorities;
      expect(authority).toMatchObject({ type: "adcs-cli", certreqPath: path });
    },
  );
});

describe("authorities: the embedded CA's keys", () => {
  it("reads the key password source and an operator-provided issuing CA", () => {
    const [byFile] = load("authorities:\n  - name: local\n    type: local\n    configuration:\n      key-password-file: '%WORKDIR%/ca.pass'\n").authorities;
    expect(byFile).toEqual({ ...LOCAL_DEFAULT, keyPassword: { file: "%WORKDIR%/ca.pass" } });
    const [provided] = load(`authorities:
  - name: local
    type: local
    configuration:
      key-password-env: CERTEASY_CA_KEY_PASSWORD
      root-certificate-file: /etc/pki/root.pem
      issuing-certificate-file: /etc/pki/issuing.pem
      issuing-key-file: /etc/pki/issuing.key
`).authorities;
    expect(provided).toEqual({
      ...LOCAL_DEFAULT,
      keyPassword: { env: "CERTEASY_CA_KEY_PASSWORD" },
      provided: { rootCertificateFile: "/etc/pki/root.pem", issuingCertificateFile: "/etc/pki/issuing.pem", issuingKeyFile: "/etc/pki/issuing.key" },
    });
    const [sharded] = load("authorities:\n  - name: local\n    type: local\n    configuration:\n      crl-shards: 64\n").authorities;
    expect(sharded).toEqual({ ...LOCAL_DEFAULT, crlShards: 64 });
  });
});

describe("authorities and policy-bindings: refusals name the key path", () => {
  const cfg = (ca: string, template = "WebServerACME") => `      ca-name: '${ca}'\n      certificate-template: '${template}'\n`;
  const SUPPORTED =
    "expected local (the embedded CA), adcs-cli (ADCS through certreq.exe and certutil.exe) or adcs-certsrv (ADCS through its Web Enrollment pages)";
  const CA_NAME = "expected the CA as certutil -CA shows it, HOST\\CA Name (e.g. PKI\\LAB-RootCA)";
  const TEMPLATE = "expected an ADCS template name (its cn, e.g. WebServerACME)";
  const TWO = `authorities:\n${adcs("ca-a")}${adcs("ca-b")}`;
  const binding = (policy: string, ...authorities: string[]) =>
    `  - policy: ${policy}\n    authorities:\n${authorities.map((a) => `      - ${a}\n`).join("")}`;

  it.each([
    ["type fake", "authorities:\n  - name: lab\n    type: fake\n", [`authorities.0.type: type fake (the built-in lab CA) is not supported by this version of Certeasy yet; ${SUPPORTED}`]],
    ["type adcs", "authorities:\n  - name: corp\n    type: adcs\n", [`authorities.0.type: type adcs (the native ADCS connector) is not supported by this version of Certeasy yet; ${SUPPORTED}`]],
    ["type adcs-native", "authorities:\n  - name: corp\n    type: adcs-native\n", [`authorities.0.type: type adcs-native (the native ADCS connector) is not supported by this version of Certeasy yet; ${SUPPORTED}`]],
    ["an unknown type", "authorities:\n  - name: corp\n    type: vault\n", [`authorities.0.type: ${SUPPORTED}, got "vault"`]],
    [
      "a missing type",
      "authorities:\n  - name: corp\n",
      [`authorities.0.type: ${SUPPORTED}, got nothing (the key is missing; Certeasy 0.9 read that as adcs, which is not supported yet)`],
    ],
    [
      "an upper-case name",
      "authorities:\n  - name: Corp\n    type: local\n",
      ['authorities.0.name: expected an authority name of lower-case letters, digits and "-", starting with a letter or digit, at most 64 characters, got "Corp"'],
    ],
    [
      "a 65-character name",
      `authorities:\n  - name: ${"a".repeat(65)}\n    type: local\n`,
      [`authorities.0.name: expected an authority name of lower-case letters, digits and "-", starting with a letter or digit, at most 64 characters, got "${"a".repeat(65)}"`],
    ],
    ["a name used twice", `authorities:\n${adcs("corp")}${adcs("corp")}policy-bindings:\n${binding("default", "corp")}`, ['authorities.1.name: expected a unique authority name, got "corp" again (first at authorities.0.name)']],
    ["an empty section", "authorities:\n", ["authorities: expected a list of authorities (use '-' items), got an empty value"]],
    [
      "two local authorities",
      `authorities:\n  - name: one\n    type: local\n  - name: two\n    type: local\npolicy-bindings:\n${binding("default", "one", "two")}`,
      ["authorities.1.type: expected at most one authority of type local, got a second one (first at authorities.0)"],
    ],
    [
      "a key of another type's configuration for type local",
      "authorities:\n  - name: local\n    type: local\n    configuration:\n      common-name: Lab CA\n",
      ["authorities.0.configuration.common-name: unknown key; expected one of: key-password-file, key-password-env, root-certificate-file, issuing-certificate-file, issuing-key-file, crl-shards"],
    ],
    [
      "both key password sources for type local",
      "authorities:\n  - name: local\n    type: local\n    configuration:\n      key-password-file: /etc/certeasy/ca.pass\n      key-password-env: CA_PASS\n",
      ["authorities.0.configuration.key-password-env: expected key-password-file or key-password-env, got both"],
    ],
    [
      "a relative key-password-file",
      "authorities:\n  - name: local\n    type: local\n    configuration:\n      key-password-file: ca.pass\n",
      ['authorities.0.configuration.key-password-file: expected an absolute path or one starting with %WORKDIR%/, got relative path "ca.pass"'],
    ],
    [
      "crl-shards that is not a power of two",
      "authorities:\n  - name: local\n    type: local\n    configuration:\n      crl-shards: 12\n",
      ["authorities.0.configuration.crl-shards: expected a power of two from 1 to 256 (how many CRLs the revocations are spread over), got 12"],
    ],
    [
      "half of an operator-provided issuing CA",
      "authorities:\n  - name: local\n    type: local\n    configuration:\n      issuing-certificate-file: /etc/pki/issuing.pem\n",
      ["authorities.0.configuration.root-certificate-file: expected root-certificate-file, issuing-certificate-file, issuing-key-file together (an operator-provided issuing CA), got issuing-certificate-file without root-certificate-file, issuing-key-file"],
    ],
    [
      "adcs-cli without configuration",
      "authorities:\n  - name: corp\n    type: adcs-cli\n",
      [
        'authorities.0.configuration.ca-name: expected the CA as certutil -CA shows it, HOST\\CA Name (e.g. PKI\\LAB-RootCA), got nothing (the key is missing)',
        "authorities.0.configuration.certificate-template: expected an ADCS template name (its cn, e.g. WebServerACME), got nothing (the key is missing)",
      ],
    ],
    [
      "an unknown configuration key",
      `authorities:\n${adcs("corp", `${cfg("PKI\\LAB-RootCA")}      password: secret\n`)}`,
      ["authorities.0.configuration.password: unknown key; expected one of: ca-name, certificate-template, default-timeout, certreq-path, certutil-path"],
    ],
    ["a ca-name with a control character", `authorities:\n${adcs("corp", `      ca-name: "PKI\\\\LAB\\tRootCA"\n      certificate-template: Web\n`)}`, [`authorities.0.configuration.ca-name: ${CA_NAME}, got "PKI\\\\LAB\\tRootCA" (control characters are refused)`]],
    ["a ca-name with a leading -", `authorities:\n${adcs("corp", cfg("-PKI\\LAB-RootCA"))}`, [`authorities.0.configuration.ca-name: ${CA_NAME}, got "-PKI\\\\LAB-RootCA" (a leading "-" would read as a certreq switch)`]],
    ["a ca-name without its host", `authorities:\n${adcs("corp", cfg("LAB-RootCA"))}`, [`authorities.0.configuration.ca-name: ${CA_NAME}, got "LAB-RootCA"`]],
    ["a template with :", `authorities:\n${adcs("corp", cfg("PKI\\CA", "Web:SAN"))}`, [`authorities.0.configuration.certificate-template: ${TEMPLATE}, got "Web:SAN" (":" and "\\" are refused: certreq reads them as attribute syntax)`]],
    ["a template with \\", `authorities:\n${adcs("corp", cfg("PKI\\CA", "Web\\nSAN"))}`, [`authorities.0.configuration.certificate-template: ${TEMPLATE}, got "Web\\\\nSAN" (":" and "\\" are refused: certreq reads them as attribute syntax)`]],
    ["a template with a leading -", `authorities:\n${adcs("corp", cfg("PKI\\CA", "-Web"))}`, [`authorities.0.configuration.certificate-template: ${TEMPLATE}, got "-Web" (a leading "-" would read as a certreq switch)`]],
    ["a template with a control character", `authorities:\n${adcs("corp", `      ca-name: PKI\\CA\n      certificate-template: "Web\\u0007"\n`)}`, [`authorities.0.configuration.certificate-template: ${TEMPLATE}, got "Web\\u0007" (control characters are refused)`]],
    [
      "a default-timeout of 0",
      `authorities:\n${adcs("corp", `${cfg("PKI\\CA")}      default-timeout: 0\n`)}`,
      ["authorities.0.configuration.default-timeout: expected a duration such as 500ms, 30s, 2m or 720h, got 0 (an explicit 0 is refused: a stuck certreq would hold the order forever)"],
    ],
    [
      "a relative certreq-path",
      `authorities:\n${adcs("corp", `${cfg("PKI\\CA")}      certreq-path: bin/certreq\n`)}`,
      ['authorities.0.configuration.certreq-path: expected an absolute path or a bare program name such as certreq, got the relative path "bin/certreq" (it would depend on the directory Certeasy starts in)'],
    ],
    [
      "a drive-relative certutil-path",
      `authorities:\n${adcs("corp", `${cfg("PKI\\CA")}      certutil-path: C:certutil.exe\n`)}`,
      ['authorities.0.configuration.certutil-path: expected an absolute path or a bare program name such as certutil, got the relative path "C:certutil.exe" (it would depend on the directory Certeasy starts in)'],
    ],
    [
      "an authority policy that does not exist",
      `${TWO_POLICIES}authorities:\n  - name: local\n    type: local\n    policies:\n      - web\n      - ftp\n`,
      ['authorities.0.policies.1: expected the name of an issuance-policies entry (web, mail), got "ftp"'],
    ],
    [
      "several authorities without bindings",
      TWO,
      ["policy-bindings: expected a binding for every issuance policy when there are several authorities (ca-a, ca-b), got nothing (the key is missing), so none for default"],
    ],
    [
      "a policy left unbound",
      `${TWO_POLICIES}${TWO}policy-bindings:\n${binding("web", "ca-a")}`,
      ["policy-bindings: expected a binding for every issuance policy, got none for mail"],
    ],
    [
      "a binding of a policy that does not exist",
      `${TWO}policy-bindings:\n${binding("default", "ca-a")}${binding("web", "ca-b")}`,
      ['policy-bindings.1.policy: expected the name of an issuance-policies entry (default), got "web"'],
    ],
    [
      "a policy bound twice",
      `${TWO}policy-bindings:\n${binding("default", "ca-a")}${binding("default", "ca-b")}`,
      ['policy-bindings.1.policy: expected a unique policy per binding (a policy is bound once), got "default" again (first at policy-bindings.0.policy)'],
    ],
    [
      "a binding to an authority that does not exist",
      `${TWO}policy-bindings:\n${binding("default", "ca-a", "ca-c")}`,
      ['policy-bindings.0.authorities.1: expected the name of an authorities entry (ca-a, ca-b), got "ca-c"'],
    ],
    [
      "a binding to the implicit authority under another name",
      `policy-bindings:\n${binding("default", "adcs")}`,
      ['policy-bindings.0.authorities.0: expected the name of an authorities entry (local), got "adcs"'],
    ],
    [
      "an authority listed twice in a binding",
      `${TWO}policy-bindings:\n${binding("default", "ca-a", "ca-a")}`,
      ['policy-bindings.0.authorities.1: expected a unique authority in a binding, got "ca-a" again (first at policy-bindings.0.authorities.0)'],
    ],
    [
      "an unknown strategy",
      `policy-bindings:\n${binding("default", "local")}    strategy: random\n`,
      ['policy-bindings.0.strategy: expected one of first_available, round_robin, got "random"'],
    ],
    [
      "a binding without authorities",
      "policy-bindings:\n  - policy: default\n",
      ["policy-bindings.0.authorities: expected a list of authority names (use '-' items), got nothing (the key is missing)"],
    ],
  ])("refuses %s", (_what, sections, lines) => {
    expect(errorsOf(sections)).toEqual(lines.map((line) => `config.yml: ${line}`));
  });
});

describe("authorities: startup warnings", () => {
  const ADCS_CONFIG = `authorities:\n${adcs("corp-ca")}`;

  it("warns that adcs-cli needs Windows when the server runs elsewhere, without refusing", () => {
    expect(configWarnings(load(ADCS_CONFIG), "linux")).toEqual([
      'authorities "corp-ca" is of type adcs-cli but this server runs on linux: certreq.exe and certutil.exe exist only on Windows',
    ]);
  });

  it("says nothing about adcs-cli on Windows, nor about the embedded CA anywhere", () => {
    expect(configWarnings(load(ADCS_CONFIG), "win32")).toEqual([]);
    expect(configWarnings(load("authorities:\n  - name: local\n    type: local\n"), "linux")).toEqual([]);
  });
});

describe("authorities: config.example.yml", () => {
  it("writes out the implicit local authority and leaves its binding implicit", () => {
    const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
    const example = loadConfig(resolve(repoRoot, "config.example.yml"));
    const defaults = parseConfigText(MINIMAL, "config.yml");
    expect(example.authorities).toEqual(defaults.authorities);
    expect(example.policyBindings).toEqual(defaults.policyBindings);
  });
});
