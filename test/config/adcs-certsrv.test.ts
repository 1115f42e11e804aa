/** The `adcs-certsrv` authority's configuration keys: what is read, what is refused and why. */
import { describe, expect, it } from "vitest";
import { parseConfigText } from "../../src/config/load.js";
import { configWarnings } from "../../src/config/warnings.js";
import { MINIMAL, errorLines } from "./helpers.js";

const certsrv = (configuration: string, extra = "") =>
  `authorities:\n  - name: corp-web\n    type: adcs-certsrv\n${extra}    configuration:\n${configuration}`;
const BASE = "      url: https://ca01.corp.example/certsrv\n      certificate-template: WebServerACME\n      username: CORP\\svc-acme\n";
const load = (text: string) => parseConfigText(`${MINIMAL}${text}`, "/etc/certeasy/config.yml");
const errorsOf = (text: string) => errorLines(`${MINIMAL}${text}`).filter((line) => line.includes("authorities."));

describe("adcs-certsrv configuration", () => {
  it("reads every key, resolves paths against the workdir and applies the defaults", () => {
    const [minimal] = load(certsrv(`${BASE}      password-env: CERTSRV_PASSWORD\n`)).authorities;
    expect(minimal).toEqual({
      name: "corp-web",
      type: "adcs-certsrv",
      policies: [],
      disableCaRevocation: false,
      url: "https://ca01.corp.example/certsrv/",
      certificateTemplate: "WebServerACME",
      auth: "ntlm",
      username: "CORP\\svc-acme",
      password: { kind: "env", name: "CERTSRV_PASSWORD" },
      caBundle: null,
      defaultTimeoutMs: 240_000,
    });
    const [full] = load(
      certsrv(`${BASE}      auth: basic\n      password-file: '%WORKDIR%/secrets/certsrv.pw'\n      ca-bundle: /etc/pki/corp-root.pem\n      default-timeout: 90s\n`, "    disable-ca-revocation: true\n"),
    ).authorities;
    expect(full).toMatchObject({ auth: "basic", password: { kind: "file", path: "/srv/certeasy/secrets/certsrv.pw" }, caBundle: "/etc/pki/corp-root.pem", defaultTimeoutMs: 90_000, disableCaRevocation: true });
  });

  it.each([
    ["neither password key", BASE, "expected exactly one of password-file or password-env (the password is never written in this file), got neither"],
    ["both password keys", `${BASE}      password-file: /etc/pw\n      password-env: PW\n`, "got both"],
    ["a password in the file", `${BASE}      password: hunter2\n`, "authorities.0.configuration.password: unknown key"],
    ["plain http", `      url: http://ca01.corp.example/certsrv/\n      certificate-template: W\n      username: u\n      password-env: PW\n`, "authorities.0.configuration.url: expected the https URL of the Web Enrollment site, e.g. https://ca01.corp.example/certsrv/, got a URL with scheme http"],
    ["an unknown auth", `${BASE}      password-env: PW\n      auth: kerberos\n`, "authorities.0.configuration.auth: expected one of ntlm, basic, got \"kerberos\""],
    ["a relative ca-bundle", `${BASE}      password-env: PW\n      ca-bundle: corp.pem\n`, "authorities.0.configuration.ca-bundle:"],
    ["a template with attribute syntax", `      url: https://ca/certsrv/\n      certificate-template: 'Web:SAN'\n      username: u\n      password-env: PW\n`, "authorities.0.configuration.certificate-template:"],
    ["a user name with ':'", `      url: https://ca/certsrv/\n      certificate-template: W\n      username: 'a:b'\n      password-env: PW\n`, "authorities.0.configuration.username:"],
  ])("refuses %s, naming the key", (_what, configuration, expected) => {
    expect(errorsOf(certsrv(configuration)).join("\n")).toContain(expected);
  });

  it("warns at startup that the CA is not told of revocations, unless disable-ca-revocation acknowledges it", () => {
    const warned = configWarnings(load(certsrv(`${BASE}      password-env: PW\n`)), "linux");
    expect(warned).toContain(
      'authorities "corp-web" is of type adcs-certsrv: ADCS Web Enrollment cannot revoke, so revocations are recorded in Certeasy only and must be repeated on the CA (certutil -revoke); set disable-ca-revocation: true to acknowledge',
    );
    const acknowledged = configWarnings(load(certsrv(`${BASE}      password-env: PW\n`, "    disable-ca-revocation: true\n")), "linux");
    expect(acknowledged.filter((line) => line.includes("corp-web"))).toEqual([]);
  });
});
