import { X509Certificate } from "node:crypto";
import { readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import * as x509 from "@peculiar/x509";
import { describe, expect, it } from "vitest";
import { LocalAuthorityError } from "../../src/ca/local/errors.js";
import { DAY_MS, openssl, withCa } from "./helpers.js";

const mode = async (path: string): Promise<number> => (await stat(path)).mode & 0o777;

describe("local CA issuing CA", () => {
  it("is created on first boot under the root: P-256, CA pathlen 0, keyCertSign+cRLSign, SKI, AKI = root SKI", async () => {
    await withCa(async ({ dir, open, file }) => {
      const ca = await open();
      expect(await mode(join(dir, "issuing-ca.key"))).toBe(0o600);
      expect(await mode(join(dir, "issuing-ca.pem"))).toBe(0o644);
      expect(await readFile(join(dir, "issuing-ca.pem"), "utf8")).toBe(ca.issuingCertificatePem);
      expect(await readFile(join(dir, "root-ca.pem"), "utf8")).toBe(ca.rootCertificatePem);

      const issuing = new x509.X509Certificate(ca.issuingCertificatePem);
      const root = new x509.X509Certificate(ca.rootCertificatePem);
      expect(issuing.issuer).toBe(root.subject);
      expect(issuing.subject).toBe("CN=lab Issuing CA, O=Certeasy");
      const constraints = issuing.getExtension(x509.BasicConstraintsExtension);
      expect(constraints).toMatchObject({ ca: true, pathLength: 0, critical: true });
      const usage = issuing.getExtension(x509.KeyUsagesExtension);
      expect(usage?.critical).toBe(true);
      expect(usage?.usages).toBe(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign);
      expect(issuing.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId).toMatch(/^[0-9a-f]{40}$/);
      expect(issuing.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId).toBe(
        root.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId,
      );
      expect(issuing.notAfter.getTime()).toBeLessThan(root.notAfter.getTime());
      expect(issuing.notAfter.getTime() - issuing.notBefore.getTime()).toBeGreaterThan(4.9 * 365 * DAY_MS);

      const node = new X509Certificate(ca.issuingCertificatePem);
      expect(node.publicKey.asymmetricKeyDetails?.namedCurve).toBe("prime256v1");
      expect(node.verify(new X509Certificate(ca.rootCertificatePem).publicKey)).toBe(true);
      const verified = openssl(["verify", "-x509_strict", "-CAfile", await file("root.pem", ca.rootCertificatePem), await file("issuing.pem", ca.issuingCertificatePem)]);
      expect(verified.stdout.trim()).toMatch(/: OK$/);
    });
  });

  it("is loaded, not regenerated, on later boots", async () => {
    await withCa(async ({ open }) => {
      const first = await open();
      const second = await open();
      expect(second.issuingCertificatePem).toBe(first.issuingCertificatePem);
      expect(second.rootCertificatePem).toBe(first.rootCertificatePem);
    });
  });

  it("refuses a half-present pair, naming the missing file, and touches nothing", async () => {
    await withCa(async ({ dir, open }) => {
      const ca = await open();
      const certificatePath = join(dir, "issuing-ca.pem");
      await rm(join(dir, "issuing-ca.key"));
      await expect(open()).rejects.toThrow(LocalAuthorityError);
      await expect(open()).rejects.toThrow(/issuing-ca\.key is missing while .*issuing-ca\.pem exists/);
      expect(await readFile(certificatePath, "utf8")).toBe(ca.issuingCertificatePem);
    });
    await withCa(async ({ dir, open }) => {
      await open();
      await rm(join(dir, "issuing-ca.pem"));
      await expect(open()).rejects.toThrow(/issuing-ca\.pem is missing while .*issuing-ca\.key exists/);
    });
  });

  it("refuses an issuing CA that does not belong to the root or whose key does not match", async () => {
    await withCa(async ({ dir, open, workdir }) => {
      await open();
      const otherDir = join(workdir, "other");
      await open({ dir: otherDir });
      // Another installation's issuing CA, signed by another root.
      await writeFile(join(dir, "issuing-ca.pem"), await readFile(join(otherDir, "issuing-ca.pem")));
      await expect(open()).rejects.toThrow(/was not issued by the root CA/);
    });
    await withCa(async ({ dir, open, workdir }) => {
      await open();
      const otherDir = join(workdir, "other");
      await open({ dir: otherDir });
      await writeFile(join(dir, "issuing-ca.key"), await readFile(join(otherDir, "issuing-ca.key")));
      await expect(open()).rejects.toThrow(/issuing-ca\.key is not the private key of/);
    });
  });

  it("refuses to start with an expired issuing CA, saying what to do", async () => {
    await withCa(async ({ open, clock }) => {
      await open();
      clock.advance(6 * 365 * DAY_MS);
      await expect(open()).rejects.toThrow(/issuing CA .*issuing-ca\.pem expired on .*; move .* aside to create a new one/);
    });
  });

  it("validates its options at the boundary", async () => {
    await withCa(async ({ open }) => {
      await expect(open({ crlUrl: "not a url" })).rejects.toThrow(/crlUrl must be an absolute http\(s\) URL/);
      await expect(open({ crlUrl: "ldap://ldap.example/cn=crl" })).rejects.toThrow(/crlUrl must be an http\(s\) URL/);
      await expect(open({ caIssuersUrl: "ftp://x/" })).rejects.toThrow(/caIssuersUrl/);
      await expect(open({ certificateLifetimeMs: 60_000 })).rejects.toThrow(/at least one hour/);
    });
  });
});
