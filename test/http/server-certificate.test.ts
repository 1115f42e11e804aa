import { X509Certificate, createPrivateKey } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import * as x509 from "@peculiar/x509";
import { describe, expect, it } from "vitest";
import { ensureLocalRootCa } from "../../src/ca/local/bootstrap.js";
import { ensureServerCertificate } from "../../src/tls/server-certificate.js";
import { hostsOfServerUrls } from "../../src/tls/server-certificate-hosts.js";
import { withTempDir } from "./helpers.js";

const DAY = 86_400_000;
const T0 = new Date("2026-12-01T10:00:00Z");
const at = (d: Date) => ({ now: () => d });

async function setup(workdir: string) {
  const ca = await ensureLocalRootCa(join(workdir, "local-ca"), at(T0));
  const cacheDir = join(workdir, "server-certificate-cache");
  return { ca, cacheDir };
}

describe("server certificate from the bootstrap CA", () => {
  it("issues a 90-day P-256 serverAuth leaf for the hosts of server.url, chained to the root", async () => {
    await withTempDir(async (workdir) => {
      const { ca, cacheDir } = await setup(workdir);
      const hosts = hostsOfServerUrls(["https://localhost:8443", "https://127.0.0.1:8443", "https://[::1]:8443"]);
      const cert = await ensureServerCertificate({ cacheDir, hosts, ca, clock: at(T0) });
      expect(cert.reused).toBe(false);
      expect(cert.rootCaPath).toBe(ca.certificatePath);

      const [leafPem, rootPem] = cert.certChainPem.split(/(?<=-----END CERTIFICATE-----)\n/);
      const leaf = new X509Certificate(leafPem ?? "");
      const root = new X509Certificate(rootPem ?? "");
      expect(root.fingerprint256).toBe(new X509Certificate(ca.certificatePem).fingerprint256);
      expect(leaf.checkIssued(root)).toBe(true);
      expect(leaf.verify(root.publicKey)).toBe(true);
      expect(leaf.ca).toBe(false);
      expect(leaf.subjectAltName).toBe("DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1");
      expect(leaf.keyUsage).toEqual(["1.3.6.1.5.5.7.3.1"]);
      expect(Date.parse(leaf.validTo) - T0.getTime()).toBe(90 * DAY);
      expect(leaf.checkPrivateKey(createPrivateKey(cert.keyPem))).toBe(true);

      const parsed = new x509.X509Certificate(new Uint8Array(leaf.raw));
      expect(parsed.getExtension(x509.KeyUsagesExtension)?.usages).toBe(x509.KeyUsageFlags.digitalSignature);
      const aki = parsed.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId;
      expect(aki).toBe(ca.certificate.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId);
      expect(parsed.getExtension(x509.SubjectKeyIdentifierExtension)).not.toBeNull();

      expect((await stat(join(cacheDir, "server.key"))).mode & 0o777).toBe(0o600);
      expect((await stat(join(cacheDir, "server-chain.pem"))).mode & 0o777).toBe(0o600);
    });
  });

  it("reuses the cached certificate on a later boot", async () => {
    await withTempDir(async (workdir) => {
      const { ca, cacheDir } = await setup(workdir);
      const first = await ensureServerCertificate({ cacheDir, hosts: ["localhost"], ca, clock: at(T0) });
      const reloadedCa = await ensureLocalRootCa(join(workdir, "local-ca"), at(T0));
      const later = new Date(T0.getTime() + 59 * DAY);
      const second = await ensureServerCertificate({ cacheDir, hosts: ["LOCALHOST"], ca: reloadedCa, clock: at(later) });
      expect(second.reused).toBe(true);
      expect(second.certChainPem).toBe(first.certChainPem);
      expect(second.keyPem).toBe(first.keyPem);
    });
  });

  it("reissues when the configured hosts change", async () => {
    await withTempDir(async (workdir) => {
      const { ca, cacheDir } = await setup(workdir);
      const first = await ensureServerCertificate({ cacheDir, hosts: ["localhost"], ca, clock: at(T0) });
      const second = await ensureServerCertificate({ cacheDir, hosts: ["localhost", "acme.test"], ca, clock: at(T0) });
      expect(second.reused).toBe(false);
      expect(second.keyPem).not.toBe(first.keyPem);
      expect(new X509Certificate(second.certChainPem).subjectAltName).toBe("DNS:localhost, DNS:acme.test");
      expect(await readFile(join(cacheDir, "server-chain.pem"), "utf8")).toBe(second.certChainPem);
    });
  });

  it("reissues when the cached certificate expires within 30 days", async () => {
    await withTempDir(async (workdir) => {
      const { ca, cacheDir } = await setup(workdir);
      await ensureServerCertificate({ cacheDir, hosts: ["localhost"], ca, clock: at(T0) });
      const renewal = new Date(T0.getTime() + 61 * DAY);
      const renewed = await ensureServerCertificate({ cacheDir, hosts: ["localhost"], ca, clock: at(renewal) });
      expect(renewed.reused).toBe(false);
      expect(renewed.notAfter.getTime()).toBe(renewal.getTime() + 90 * DAY);
    });
  });

  it("reissues when the cached certificate comes from another root CA", async () => {
    await withTempDir(async (workdir) => {
      const { ca, cacheDir } = await setup(workdir);
      await ensureServerCertificate({ cacheDir, hosts: ["localhost"], ca, clock: at(T0) });
      const otherCa = await ensureLocalRootCa(join(workdir, "other-ca"), at(T0));
      const again = await ensureServerCertificate({ cacheDir, hosts: ["localhost"], ca: otherCa, clock: at(T0) });
      expect(again.reused).toBe(false);
      expect(new X509Certificate(again.certChainPem).checkIssued(new X509Certificate(otherCa.certificatePem))).toBe(true);
    });
  });
});
