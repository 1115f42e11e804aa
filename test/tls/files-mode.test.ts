/**
 * Mode `files` (reference §9): the operator's PEM files are served, and replaced ones are picked
 * up by the next TLS connections without a restart; a broken replacement keeps the old one.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { X509Certificate } from "node:crypto";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { startHttpsServer } from "../../src/http/listener.js";
import { tlsCertificateMetrics } from "../../src/observability/tls-certificate-metrics.js";
import { TlsCertificateManager } from "../../src/tls/manager.js";
import { filesSource } from "../../src/tls/sources/files-source.js";
import { capturingLogger, silentLogger, withTempDir } from "../http/helpers.js";
import { TIMEOUTS, acmeApp } from "../http/tls-fixture.js";
import { certificateFor, rootCa, servedFingerprint } from "./support.js";

const fingerprintOf = (pem: string): string => new X509Certificate(pem).fingerprint256;

describe("tls-certificate-manager mode files", () => {
  it("serves the files, swaps in replaced ones for new connections, and keeps the old pair when the new one is broken", async () => {
    await withTempDir(async (dir) => {
      const ca = await rootCa(dir);
      const first = await certificateFor(ca, ["files.test", "127.0.0.1"]);
      const certFile = join(dir, "chain.pem");
      const keyFile = join(dir, "key.pem");
      await writeFile(certFile, first.cert);
      await writeFile(keyFile, first.key);
      const { log, lines } = capturingLogger();
      const registry = new Registry();
      const manager = await TlsCertificateManager.start({
        bundles: [{ name: "operator", hosts: ["files.test", "127.0.0.1"], source: filesSource({ bundle: "operator", certFile, keyFile, hosts: ["files.test", "127.0.0.1"], log }) }],
        defaultBundle: "operator",
        checkIntervalMs: 0,
        clock: () => new Date(),
        log,
        events: tlsCertificateMetrics(registry),
      });
      const server = await startHttpsServer({ app: acmeApp(), host: "127.0.0.1", port: 0, tls: manager, timeouts: TIMEOUTS, log: silentLogger() });
      try {
        expect(await servedFingerprint(server.port, "files.test")).toBe(fingerprintOf(first.cert));
        expect(await servedFingerprint(server.port)).toBe(fingerprintOf(first.cert));

        await manager.check();
        expect(await registry.getSingleMetricAsString("certeasy_tls_certificate_renewals_total")).not.toMatch(/outcome="ok"/);

        const second = await certificateFor(ca, ["files.test", "127.0.0.1"]);
        await writeFile(certFile, second.cert);
        await writeFile(keyFile, second.key);
        await manager.check();
        // By SNI name and without SNI (the default certificate, swapped in the listener).
        expect(await servedFingerprint(server.port, "files.test")).toBe(fingerprintOf(second.cert));
        expect(await servedFingerprint(server.port)).toBe(fingerprintOf(second.cert));

        await writeFile(certFile, "-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n");
        await manager.check();
        await manager.check();
        expect(await servedFingerprint(server.port, "files.test")).toBe(fingerprintOf(second.cert));
        const errors = lines().filter((line) => line.msg === "server certificate not replaced; still serving the previous one");
        expect(errors).toHaveLength(1);
        expect(JSON.stringify(errors[0])).toContain("not a readable PEM certificate");

        // A key that belongs to another certificate is refused the same way.
        const third = await certificateFor(ca, ["files.test", "127.0.0.1"]);
        await writeFile(certFile, third.cert);
        await manager.check();
        expect(await servedFingerprint(server.port, "files.test")).toBe(fingerprintOf(second.cert));
        await writeFile(keyFile, third.key);
        await manager.check();
        expect(await servedFingerprint(server.port, "files.test")).toBe(fingerprintOf(third.cert));

        const renewals = await registry.getSingleMetricAsString("certeasy_tls_certificate_renewals_total");
        expect(renewals).toContain('certeasy_tls_certificate_renewals_total{bundle="operator",outcome="ok"} 2');
        expect(renewals).toContain('certeasy_tls_certificate_renewals_total{bundle="operator",outcome="failed"} 2');
        const expiry = await registry.getSingleMetricAsString("certeasy_tls_certificate_expiry_timestamp_seconds");
        expect(expiry).toContain(`{bundle="operator"} ${Math.floor(Date.parse(new X509Certificate(third.cert).validTo) / 1000)}`);
      } finally {
        await server.close(1000);
        await manager.close();
      }
    });
  });

  it("refuses to start with a key that is not the certificate's, and warns about hosts the certificate lacks", async () => {
    await withTempDir(async (dir) => {
      const ca = await rootCa(dir);
      const one = await certificateFor(ca, ["files.test"]);
      const other = await certificateFor(ca, ["files.test"]);
      const certFile = join(dir, "chain.pem");
      const keyFile = join(dir, "key.pem");
      await writeFile(certFile, one.cert);
      await writeFile(keyFile, other.key);
      const { log, lines } = capturingLogger();
      const source = () => filesSource({ bundle: "operator", certFile, keyFile, hosts: ["files.test", "other.test"], log });
      await expect(source().initial(new Date())).rejects.toThrow(`bundle operator: ${certFile} and ${keyFile}: the private key does not belong to the certificate`);

      await writeFile(keyFile, one.key);
      await source().initial(new Date());
      expect(lines().find((line) => line.level === 40)).toMatchObject({ bundle: "operator", hosts: ["other.test"] });
    });
  });
});
