/**
 * Test licenses: an Ed25519 key pair made for this test run, whose public half a test adds to the
 * configuration (`license.public-keys`), and a signer for license payloads. Production licenses
 * are signed by the vendor key, whose private half is nowhere near this repository.
 */
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { CompactSign } from "jose";
import type { LicenseClaims } from "../../src/license/index.js";
import { licenseFileText } from "../../src/license/index.js";
import { loadTrustedKeys, type TrustedKey } from "../../src/license/index.js";

export interface LicenseSigningKey {
  readonly privateKey: KeyObject;
  readonly publicKeyPem: string;
}

export function newLicenseSigningKey(): LicenseSigningKey {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return { privateKey, publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString() };
}

/** The key the tests' configurations trust. */
export const TEST_LICENSE_KEY = newLicenseSigningKey();

const DAY_MS = 24 * 60 * 60 * 1000;

/** A Pro license valid for a year from `now`, with every limit generous; override what a test is about. */
export function licenseClaims(overrides: Partial<LicenseClaims> = {}, now = new Date()): LicenseClaims {
  return {
    plan: "pro",
    license_id: "CRT-TEST01-TEST02-TEST03-TEST04-TEST05",
    issued_at: new Date(now.getTime() - DAY_MS).toISOString(),
    expires_at: new Date(now.getTime() + 365 * DAY_MS).toISOString(),
    max_managed_servers: "unlimited",
    max_cas: 5,
    allowed_dbs: ["sqlite", "postgres", "sqlserver"],
    ...overrides,
  };
}

/** A compact JWS over the claims (alg EdDSA), signed with `key`. */
export async function signLicense(claims: LicenseClaims | Record<string, unknown>, key: LicenseSigningKey = TEST_LICENSE_KEY): Promise<string> {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(claims))).setProtectedHeader({ alg: "EdDSA", typ: "certeasy-license" }).sign(key.privateKey);
}

/** A license file's text: the token in its CERTEASY LICENSE block. */
export async function licenseFile(overrides: Partial<LicenseClaims> = {}, key: LicenseSigningKey = TEST_LICENSE_KEY): Promise<string> {
  return licenseFileText(await signLicense(licenseClaims(overrides), key));
}

/** The `license:` section of a YAML config trusting `key` (inline PEM). */
export function licenseConfigYaml(key: LicenseSigningKey = TEST_LICENSE_KEY): string[] {
  return ["license:", "  public-keys:", "    - |", ...key.publicKeyPem.trimEnd().split("\n").map((line) => `      ${line}`)];
}

/** The trusted keys of a node configured with `licenseConfigYaml`. */
export function testTrustedKeys(key: LicenseSigningKey = TEST_LICENSE_KEY): Promise<readonly TrustedKey[]> {
  return loadTrustedKeys({ publicKeys: [{ kind: "pem", pem: key.publicKeyPem }] });
}
