/**
 * The `license` section (behaviour reference §4.3, §8). `public-keys` adds Ed25519 keys that
 * licenses may be signed with, besides the vendor key built into Certeasy (for private builds
 * and tests): each item is a PEM or JWK file (absolute or `%WORKDIR%/…`) or an inline PEM block.
 * `offline`, `proxy-url` and `timeout` are accepted so a product config loads unchanged, but they
 * change nothing: Certeasy never connects to a licensing backend; `license install` is the only
 * way a license arrives.
 */
import { createPublicKey } from "node:crypto";
import { describeValue } from "./errors.js";
import { bool, duration, field, list, maybeField, optionalField, parsedText, type Check } from "./fields.js";
import { DEFAULTS } from "./defaults.js";
import { pathProblem } from "./paths.js";
import type { LicenseConfig, LicenseKeySource } from "./types.js";

const PEM_BLOCK = /^-----BEGIN PUBLIC KEY-----[\s\S]+-----END PUBLIC KEY-----\s*$/;

/** An inline PEM is checked here; a file is read (and checked) when the server starts or `validate` runs. */
const publicKeySource: Check<LicenseKeySource> = (value) => {
  const expected = "expected an Ed25519 public key: a PEM or JWK file path (absolute or %WORKDIR%/…) or an inline PEM block";
  if (typeof value !== "string") return `${expected}, got ${describeValue(value)}`;
  const text = value.trim();
  if (text.startsWith("-----BEGIN")) {
    if (!PEM_BLOCK.test(text)) return `${expected}, got a PEM block that is not a PUBLIC KEY`;
    try {
      const key = createPublicKey(text);
      if (key.asymmetricKeyType !== "ed25519") return `${expected}, got a ${key.asymmetricKeyType ?? "unknown"} key`;
    } catch {
      return `${expected}, got a PEM block that does not parse`;
    }
    return { ok: true, value: { kind: "pem", pem: text } };
  }
  const problem = pathProblem(text, "%WORKDIR%");
  return problem === undefined ? { ok: true, value: { kind: "file", path: text } } : `${expected}: ${problem}`;
};

const proxyUrl = parsedText("an http or https URL", (text) => {
  if (text === "") return "";
  try {
    const url = new URL(text);
    return url.protocol === "http:" || url.protocol === "https:" ? text : undefined;
  } catch {
    return undefined;
  }
});

export const licenseShape = {
  "public-keys": list(field(publicKeySource), "public keys", 1).optional(),
  offline: optionalField(bool, DEFAULTS.license.offline),
  "proxy-url": maybeField(proxyUrl),
  timeout: optionalField(duration({ allowZero: true }), DEFAULTS.license.timeoutMs),
};

export interface ParsedLicense {
  readonly "public-keys"?: readonly LicenseKeySource[] | undefined;
  readonly offline: boolean;
  readonly "proxy-url"?: string | undefined;
  readonly timeout: number;
}

export function normaliseLicense(license: ParsedLicense, inWorkdir: (path: string) => string): LicenseConfig {
  return {
    publicKeys: (license["public-keys"] ?? []).map((source) => (source.kind === "file" ? { kind: "file", path: inWorkdir(source.path) } : source)),
    offline: license.offline,
    proxyUrl: license["proxy-url"] || null,
    timeoutMs: license.timeout,
  };
}
