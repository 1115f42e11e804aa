/** Option checks at open: behaviour reference §3.2's character and path rules. */
import { describe, expect, it } from "vitest";
import { AdcsConfigError, type AdcsCliAuthorityOptions, openAdcsCliAuthority } from "../../../src/ca/adcs-cli/index.js";

const valid: AdcsCliAuthorityOptions = {
  name: "corp-adcs",
  caName: "ca01.corp.example\\Corp Issuing CA 1",
  template: "CerteasyWebServer",
  certreqPath: "certreq.exe",
  certutilPath: "/usr/local/bin/certutil",
  workdir: "/var/lib/certeasy",
  timeoutMs: 240_000,
  now: () => new Date(),
};

function fieldOf(overrides: Partial<AdcsCliAuthorityOptions>): string | undefined {
  try {
    openAdcsCliAuthority({ ...valid, ...overrides });
    return undefined;
  } catch (err) {
    if (!(err instanceof AdcsConfigError)) throw err;
    return err.field;
  }
}

describe("openAdcsCliAuthority options", () => {
  it("opens with valid options, names included", () => {
    const authority = openAdcsCliAuthority(valid);
    expect(authority.name).toBe("corp-adcs");
    expect(authority.caName).toBe(valid.caName);
  });

  it.each([
    ["caName", ""],
    ["caName", "ca01\\Corp CA\n"],
    ["caName", "ca01\\Corp\u0000CA"],
    ["caName", "https://ca01/Corp_CES_Kerberos/service.svc/CES"],
    ["caName", "-ping"],
    ["template", "Web:Server"],
    ["template", "-attrib"],
    ["template", "WebServer\\nSAN:dns=evil.example"],
    ["template", "Web\tServer"],
    ["certreqPath", "bin/certreq.exe"],
    ["certreqPath", "./certreq"],
    ["certreqPath", "..\\certreq.exe"],
    ["certreqPath", "C:certreq.exe"],
    ["certutilPath", ""],
    ["workdir", "relative/work"],
    ["timeoutMs", 0],
    ["timeoutMs", 1.5],
    ["name", " "],
  ] as const)("refuses %s = %j, naming the field", (field, value) => {
    expect(fieldOf({ [field]: value })).toBe(field);
  });

  it("says what was wrong in words a config author understands", () => {
    expect(() => openAdcsCliAuthority({ ...valid, caName: "-x" })).toThrow('ca-name must not start with "-"');
    expect(() => openAdcsCliAuthority({ ...valid, certreqPath: "tools/certreq.exe" })).toThrow(/certreq-path must be an absolute path or a bare program name/);
  });

  it.each(["certreq", "certreq.exe", "/opt/adcs/certreq", "/work dir/with space/certreq"])("accepts the program path %j", (path) => {
    expect(fieldOf({ certreqPath: path })).toBeUndefined();
  });
});
