import { X509Certificate } from "node:crypto";
import { readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import * as x509 from "@peculiar/x509";
import { describe, expect, it } from "vitest";
import { LocalRootCaError, ensureLocalRootCa } from "../../src/ca/local/bootstrap.js";
import { withTempDir } from "./helpers.js";

const mode = async (path: string) => (await stat(path)).mode & 0o777;

describe("bootstrap root CA", () => {
  it("creates a self-signed P-256 root on first boot with the promised files and modes", async () => {
    await withTempDir(async (workdir) => {
      const dir = join(workdir, "local-ca");
      const ca = await ensureLocalRootCa(dir);
      expect(ca.created).toBe(true);
      expect(ca.certificatePath).toBe(join(dir, "root-ca.pem"));
      expect(await mode(ca.certificatePath)).toBe(0o644);
      expect(await mode(ca.keyPath)).toBe(0o600);
      expect(await readFile(ca.keyPath, "utf8")).toMatch(/^-----BEGIN PRIVATE KEY-----/);

      const root = new X509Certificate(await readFile(ca.certificatePath));
      expect(root.ca).toBe(true);
      expect(root.checkIssued(root)).toBe(true);
      expect(root.verify(root.publicKey)).toBe(true);
      expect(root.publicKey.asymmetricKeyDetails?.namedCurve).toBe("prime256v1");
      const years = (Date.parse(root.validTo) - Date.parse(root.validFrom)) / (365.25 * 86_400_000);
      expect(years).toBeGreaterThan(9.99);
      expect(years).toBeLessThan(10.01);
      const keyUsage = ca.certificate.getExtension(x509.KeyUsagesExtension);
      expect(keyUsage?.critical).toBe(true);
      expect(keyUsage?.usages).toBe(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign);
      const constraints = ca.certificate.getExtension(x509.BasicConstraintsExtension);
      expect(constraints?.ca).toBe(true);
      expect(constraints?.critical).toBe(true);
      expect(ca.certificate.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId).toMatch(/^[0-9a-f]{40}$/);
    });
  });

  it("loads the same root on later boots instead of regenerating it", async () => {
    await withTempDir(async (workdir) => {
      const dir = join(workdir, "local-ca");
      const first = await ensureLocalRootCa(dir);
      const second = await ensureLocalRootCa(dir);
      expect(second.created).toBe(false);
      expect(second.certificatePem).toBe(first.certificatePem);
      expect(second.certificate.serialNumber).toBe(first.certificate.serialNumber);
    });
  });

  it("refuses a half-present pair and names the missing file", async () => {
    await withTempDir(async (workdir) => {
      const dir = join(workdir, "local-ca");
      const ca = await ensureLocalRootCa(dir);
      const keyPem = await readFile(ca.keyPath, "utf8");
      await rm(ca.keyPath);
      await expect(ensureLocalRootCa(dir)).rejects.toThrow(LocalRootCaError);
      await expect(ensureLocalRootCa(dir)).rejects.toThrow(/root-ca\.key is missing/);
      // The certificate was not replaced.
      expect(await readFile(ca.certificatePath, "utf8")).toBe(ca.certificatePem);

      await writeFile(ca.keyPath, keyPem, { mode: 0o600 });
      await rm(ca.certificatePath);
      await expect(ensureLocalRootCa(dir)).rejects.toThrow(/root-ca\.pem is missing/);
    });
  });

  it("refuses a key that does not belong to the certificate", async () => {
    await withTempDir(async (workdir) => {
      const a = await ensureLocalRootCa(join(workdir, "a"));
      const b = await ensureLocalRootCa(join(workdir, "b"));
      await writeFile(a.keyPath, await readFile(b.keyPath));
      await expect(ensureLocalRootCa(join(workdir, "a"))).rejects.toThrow(/is not the private key of/);
    });
  });
});
