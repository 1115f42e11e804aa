/** The `license` section (reference §4.3): extra public keys, and the product's online keys accepted but inert. */
import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseConfigText } from "../../src/config/load.js";
import { configWarnings } from "../../src/config/warnings.js";
import { TEST_LICENSE_KEY } from "../support/license.js";
import { errorLines, MINIMAL } from "./helpers.js";

const indented = (pem: string): string => pem.trimEnd().split("\n").map((line) => `      ${line}`).join("\n");

describe("license", () => {
  it("defaults to no extra key, offline, and no warning", () => {
    const config = parseConfigText(MINIMAL, "config.yml");
    expect(config.license).toEqual({ publicKeys: [], offline: true, proxyUrl: null, timeoutMs: 30_000 });
    expect(configWarnings(config)).toEqual([]);
  });

  it("reads key files (anchored in the workdir) and inline PEM blocks, in order", () => {
    const config = parseConfigText(`${MINIMAL}license:\n  public-keys:\n    - "%WORKDIR%/keys/license.pem"\n    - |\n${indented(TEST_LICENSE_KEY.publicKeyPem)}\n`, "config.yml");
    expect(config.license.publicKeys).toEqual([
      { kind: "file", path: "/srv/certeasy/keys/license.pem" },
      { kind: "pem", pem: TEST_LICENSE_KEY.publicKeyPem.trim() },
    ]);
  });

  it("refuses a relative path and an inline key that is not Ed25519, naming the item", () => {
    expect(errorLines(`${MINIMAL}license:\n  public-keys:\n    - keys/license.pem\n`)).toEqual([
      'config.yml: license.public-keys.0: expected an Ed25519 public key: a PEM or JWK file path (absolute or %WORKDIR%/…) or an inline PEM block: expected an absolute path or one starting with %WORKDIR%/, got relative path "keys/license.pem"',
    ]);
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey.export({ type: "spki", format: "pem" }).toString();
    expect(errorLines(`${MINIMAL}license:\n  public-keys:\n    - |\n${indented(rsa)}\n`)).toEqual([
      "config.yml: license.public-keys.0: expected an Ed25519 public key: a PEM or JWK file path (absolute or %WORKDIR%/…) or an inline PEM block, got a rsa key",
    ]);
  });

  it("accepts the product's online settings but warns that they change nothing", () => {
    const config = parseConfigText(`${MINIMAL}license:\n  offline: false\n  proxy-url: http://proxy.example.test:3128\n  timeout: 10s\n`, "config.yml");
    expect(config.license).toMatchObject({ offline: false, proxyUrl: "http://proxy.example.test:3128", timeoutMs: 10_000 });
    expect(configWarnings(config)).toEqual([
      "license.offline and license.proxy-url change nothing: Certeasy never connects to a licensing backend (install licenses with `certeasy license install`)",
    ]);
  });
});
