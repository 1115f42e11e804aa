/**
 * The embedded CA's keys at rest (issue 4): encrypted with the configured password, opened only
 * with it (a wrong or missing password stops the start with a message naming the file, and
 * nothing is regenerated), encrypted in place when a password is added later, and an
 * operator-provided issuing CA used where it is.
 */
import { X509Certificate } from "node:crypto";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LocalAuthorityError } from "../../src/ca/local/errors.js";
import { LocalRootCaError } from "../../src/ca/local/bootstrap.js";
import { readKeyPassword, sealPrivateKey, type KeyPassword } from "../../src/ca/local/key-protection.js";
import { createPrivateKey } from "node:crypto";
import { createTestCa } from "./adcs-cli/fixture.js";
import { expectIssued, issuanceRequest, openssl, withCa } from "./helpers.js";
import type { LocalAuthority } from "../../src/ca/local/local-authority.js";

const issue = async (ca: LocalAuthority) => expectIssued(await ca.submit(issuanceRequest()));

const password: KeyPassword = { source: "key-password-file /test/ca.pass", value: "correct horse battery staple" };
const wrong: KeyPassword = { source: "key-password-file /test/other.pass", value: "Tr0ub4dor&3" };
const ENCRYPTED = /^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/;

describe("local CA keys with a password", () => {
  it("are written encrypted, readable by openssl with the same password, and loaded again unchanged", async () => {
    await withCa(async ({ dir, open, file }) => {
      const first = await open({ keyPassword: password });
      for (const name of ["root-ca.key", "issuing-ca.key"]) {
        const pem = await readFile(join(dir, name), "utf8");
        expect(pem).toMatch(ENCRYPTED);
        const passFile = await file("pass.txt", password.value);
        expect(openssl(["pkey", "-in", join(dir, name), "-passin", `file:${passFile}`, "-noout"]).status).toBe(0);
        expect(openssl(["pkey", "-in", join(dir, name), "-passin", "pass:nope", "-noout"]).status).not.toBe(0);
      }
      const second = await open({ keyPassword: password });
      expect(second.issuingCertificatePem).toBe(first.issuingCertificatePem);
      const leaf = await issue(second);
      expect(new X509Certificate(leaf.certificateDer).verify(new X509Certificate(first.issuingCertificatePem).publicKey)).toBe(true);
    });
  });

  it("refuse to start with a wrong password or none, naming the file, and leave the keys as they were", async () => {
    await withCa(async ({ dir, open }) => {
      await open({ keyPassword: password });
      const before = await Promise.all(["root-ca.key", "issuing-ca.key", "issuing-ca.pem"].map((f) => readFile(join(dir, f), "utf8")));
      await expect(open({ keyPassword: wrong })).rejects.toThrow(
        new LocalRootCaError(`${join(dir, "root-ca.key")} cannot be decrypted with the password from key-password-file /test/other.pass: wrong password (the key was not replaced)`),
      );
      await expect(open()).rejects.toThrow(/root-ca\.key is encrypted and no password is configured: set key-password-file or key-password-env/);
      const after = await Promise.all(["root-ca.key", "issuing-ca.key", "issuing-ca.pem"].map((f) => readFile(join(dir, f), "utf8")));
      expect(after).toEqual(before);
    });
  });

  it("refuse to start when the issuing key is missing while its certificate exists", async () => {
    await withCa(async ({ dir, open }) => {
      await open({ keyPassword: password });
      await rm(join(dir, "issuing-ca.key"));
      await expect(open({ keyPassword: password })).rejects.toThrow(/issuing-ca\.key is missing while .*issuing-ca\.pem exists/);
    });
  });

  it("a plain key found with a password configured is encrypted in place: same key, same CA", async () => {
    await withCa(async ({ dir, open }) => {
      const plain = await open();
      expect(await readFile(join(dir, "issuing-ca.key"), "utf8")).toMatch(/^-----BEGIN PRIVATE KEY-----/);
      const reopened = await open({ keyPassword: password });
      expect(reopened.issuingCertificatePem).toBe(plain.issuingCertificatePem);
      expect(await readFile(join(dir, "issuing-ca.key"), "utf8")).toMatch(ENCRYPTED);
      expect(await readFile(join(dir, "root-ca.key"), "utf8")).toMatch(ENCRYPTED);
      await expect(open()).rejects.toThrow(LocalRootCaError);
    });
  });
});

describe("the key password source", () => {
  it("reads a file without its final line break, or an environment variable; refuses empty or missing ones", async () => {
    await withCa(async ({ file }) => {
      expect(await readKeyPassword({ file: await file("pass", "s3cret\n") })).toEqual({ source: expect.stringContaining("key-password-file"), value: "s3cret" });
      await expect(readKeyPassword({ file: await file("empty", "\n") })).rejects.toThrow(/is empty/);
      await expect(readKeyPassword({ file: "/nonexistent/ca.pass" })).rejects.toThrow(/key-password-file \/nonexistent\/ca\.pass cannot be read: ENOENT/);
    });
    process.env.CERTEASY_TEST_CA_PASSWORD = "from-env";
    try {
      expect((await readKeyPassword({ env: "CERTEASY_TEST_CA_PASSWORD" })).value).toBe("from-env");
    } finally {
      delete process.env.CERTEASY_TEST_CA_PASSWORD;
    }
    await expect(readKeyPassword({ env: "CERTEASY_TEST_CA_PASSWORD" })).rejects.toThrow(/CERTEASY_TEST_CA_PASSWORD, which is not set or empty/);
  });
});

describe("an operator-provided issuing CA", () => {
  it("issues under the operator's issuing CA (its key encrypted), serves its root, and generates no CA of its own", async () => {
    const pki = await createTestCa();
    await withCa(async ({ dir, open, file }) => {
      const provided = {
        rootCertificateFile: await file("root.pem", pki.rootPem),
        issuingCertificateFile: await file("issuing.pem", pki.issuingPem),
        issuingKeyFile: await file("issuing.key", sealPrivateKey(createPrivateKey(pki.issuingKeyPem), password)),
      };
      const ca = await open({ provided, keyPassword: password });
      expect(ca.rootCertificatePem).toBe(pki.rootPem);
      const leaf = new X509Certificate((await issue(ca)).certificateDer);
      expect(leaf.issuer).toBe("CN=Corp Issuing CA 1");
      expect(leaf.verify(new X509Certificate(pki.issuingPem).publicKey)).toBe(true);
      await expect(readFile(join(dir, "root-ca.key"))).rejects.toThrow(/ENOENT/);
      await expect(open({ provided, keyPassword: wrong })).rejects.toThrow(/issuing\.key cannot be decrypted .*wrong password/);
    });
  });

  it("refuses an issuing certificate that the given root did not issue, or a missing file", async () => {
    const pki = await createTestCa();
    const other = await createTestCa();
    await withCa(async ({ open, file }) => {
      const provided = {
        rootCertificateFile: await file("root.pem", other.rootPem),
        issuingCertificateFile: await file("issuing.pem", pki.issuingPem),
        issuingKeyFile: await file("issuing.key", pki.issuingKeyPem),
      };
      await expect(open({ provided })).rejects.toThrow(/issuing\.pem was not issued by the root CA .*root\.pem/);
      await writeFile(provided.rootCertificateFile, pki.rootPem);
      await rm(provided.issuingKeyFile);
      await expect(open({ provided })).rejects.toThrow(new LocalAuthorityError(`issuing-key-file ${provided.issuingKeyFile} does not exist`));
    });
  });
});
