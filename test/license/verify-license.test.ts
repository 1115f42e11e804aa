/**
 * Reading a license file (src/license/verify-license.ts): the signature must come from a trusted
 * key, the payload must be the signed one, the license must not have expired, and every refusal
 * names its reason code. Keys come from the built-in vendor key and `license.public-keys`.
 */
import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LicenseKeyError, loadTrustedKeys, verifyLicenseText, type TrustedKey } from "../../src/license/index.js";
import { licenseClaims, licenseFile, newLicenseSigningKey, signLicense, TEST_LICENSE_KEY, testTrustedKeys } from "../support/license.js";

const NOW = new Date();
let keys: readonly TrustedKey[];
beforeAll(async () => {
  keys = await testTrustedKeys();
});

describe("verifying a license", () => {
  it("accepts a license signed by a configured key, in its CERTEASY LICENSE block or bare, and reads its limits", async () => {
    const block = await licenseFile({ plan: "starter", max_managed_servers: 250, max_cas: 2, allowed_dbs: ["sqlite"] });
    expect(block).toMatch(/^-----BEGIN CERTEASY LICENSE-----\n[\s\S]+\n-----END CERTEASY LICENSE-----\n$/);
    const verdict = await verifyLicenseText(`A note from the vendor.\n\n${block}`, keys, NOW);
    expect(verdict).toMatchObject({
      ok: true,
      signedBy: "license.public-keys.0 (inline PEM)",
      entitlement: { plan: "starter", maxManagedServers: 250, maxCas: 2, allowedDbs: ["sqlite"], licenseId: "CRT-TEST01-TEST02-TEST03-TEST04-TEST05" },
    });
    const bare = await signLicense(licenseClaims({ max_managed_servers: "unlimited" }));
    expect(await verifyLicenseText(`${bare}\n`, keys, NOW)).toMatchObject({ ok: true, entitlement: { maxManagedServers: null } });
  });

  it("refuses a license signed by another key (bad_signature), naming the keys it tried", async () => {
    const verdict = await verifyLicenseText(await licenseFile({}, newLicenseSigningKey()), keys, NOW);
    expect(verdict).toMatchObject({ ok: false, reason: "bad_signature" });
    expect(!verdict.ok && verdict.detail).toContain("built-in vendor key, license.public-keys.0 (inline PEM)");
  });

  it("refuses a tampered payload: raising a limit breaks the signature", async () => {
    const token = await signLicense(licenseClaims({ max_managed_servers: 25 }));
    const [header, , signature] = token.split(".");
    const raised = Buffer.from(JSON.stringify(licenseClaims({ max_managed_servers: "unlimited" }))).toString("base64url");
    expect(await verifyLicenseText(`${header}.${raised}.${signature}`, keys, NOW)).toMatchObject({ ok: false, reason: "bad_signature" });
  });

  it("refuses an expired license, naming it and its expiry", async () => {
    const expiresAt = new Date(NOW.getTime() - 1000).toISOString();
    const verdict = await verifyLicenseText(await licenseFile({ issued_at: "2025-01-01T00:00:00Z", expires_at: expiresAt }), keys, NOW);
    expect(verdict).toMatchObject({ ok: false, reason: "expired", licenseId: "CRT-TEST01-TEST02-TEST03-TEST04-TEST05" });
  });

  it("refuses what is not a license, a payload with a limit this build does not know, and another algorithm", async () => {
    expect(await verifyLicenseText("hello", keys, NOW)).toMatchObject({ ok: false, reason: "malformed" });
    const unknownLimit = await signLicense({ ...licenseClaims(), max_widgets: 3 });
    const verdict = await verifyLicenseText(unknownLimit, keys, NOW);
    expect(verdict).toMatchObject({ ok: false, reason: "malformed" });
    expect(!verdict.ok && verdict.detail).toMatch(/max_widgets|unrecognized/i);
    const noAlgorithm = `${Buffer.from(JSON.stringify({ alg: "none" })).toString("base64url")}.${Buffer.from(JSON.stringify(licenseClaims())).toString("base64url")}.AAAA`;
    expect(await verifyLicenseText(noAlgorithm, keys, NOW)).toMatchObject({ ok: false, reason: "malformed" });
  });
});

describe("license.public-keys", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "certeasy-license-keys-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("reads PEM and JWK key files, after the built-in vendor key", async () => {
    const jwk = generateKeyPairSync("ed25519").publicKey.export({ format: "jwk" });
    await writeFile(join(dir, "test.pem"), TEST_LICENSE_KEY.publicKeyPem);
    await writeFile(join(dir, "other.jwk"), JSON.stringify(jwk));
    const loaded = await loadTrustedKeys({ publicKeys: [{ kind: "file", path: join(dir, "test.pem") }, { kind: "file", path: join(dir, "other.jwk") }] });
    expect(loaded.map((k) => k.origin)).toEqual([
      "built-in vendor key",
      `license.public-keys.0 (${join(dir, "test.pem")})`,
      `license.public-keys.1 (${join(dir, "other.jwk")})`,
    ]);
    expect(await verifyLicenseText(await licenseFile(), loaded, NOW)).toMatchObject({ ok: true, signedBy: `license.public-keys.0 (${join(dir, "test.pem")})` });
  });

  it("refuses a missing file, a key that is not Ed25519 and a private key, naming the config key", async () => {
    await expect(loadTrustedKeys({ publicKeys: [{ kind: "file", path: join(dir, "absent.pem") }] })).rejects.toThrow(/^license\.public-keys\.0 .*ENOENT/);
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey.export({ type: "spki", format: "pem" }).toString();
    await writeFile(join(dir, "rsa.pem"), rsa);
    await expect(loadTrustedKeys({ publicKeys: [{ kind: "file", path: join(dir, "rsa.pem") }] })).rejects.toThrow(/Ed25519 public key, got a public rsa key/);
    await writeFile(join(dir, "private.pem"), TEST_LICENSE_KEY.privateKey.export({ type: "pkcs8", format: "pem" }).toString());
    const privateKey = loadTrustedKeys({ publicKeys: [{ kind: "file", path: join(dir, "private.pem") }] });
    await expect(privateKey).rejects.toBeInstanceOf(LicenseKeyError);
    await expect(privateKey).rejects.toThrow(/this is a private key/);
  });
});
