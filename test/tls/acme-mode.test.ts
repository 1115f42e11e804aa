/**
 * Mode `acme` (the product's `letsencrypt`, reference §9) against Debian's pebble: the manager
 * registers, answers http-01 on its own challenge listener (pebble's VA resolves the name
 * through pebble-challtestsrv to 127.0.0.1 and connects to that listener's port), serves the
 * certificate, reuses the cached account and certificate at the next start, and renews inside
 * renew-before. Without pebble the test says so and skips, except under CI, where it fails.
 */
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { X509Certificate } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHttpsServer } from "../../src/http/listener.js";
import { startTlsCertificateManager, type ServerCertificateConfig } from "../../src/tls/start-manager.js";
import { freePort } from "../e2e/harness.js";
import { PEBBLE_BINARY, startPebble } from "../bench/issuance/pebble-target.js";
import type { BenchTarget } from "../bench/issuance/bench-target.js";
import { startDnsServer, type DnsServer } from "../interop/challtestsrv.js";
import { silentLogger, withTempDir } from "../http/helpers.js";
import { TIMEOUTS, acmeApp } from "../http/tls-fixture.js";
import { rootCa, servedFingerprint } from "./support.js";

const CHALLTESTSRV = "/usr/bin/pebble-challtestsrv";
const installed = existsSync(PEBBLE_BINARY) && existsSync(CHALLTESTSRV);
if (!installed) {
  if (process.env["CI"]) throw new Error(`${PEBBLE_BINARY} and ${CHALLTESTSRV} are required under CI (Debian package pebble)`);
  console.warn(`pebble not installed (${PEBBLE_BINARY}, ${CHALLTESTSRV}) — skipping the tls-certificate-manager acme mode test; apt-get install pebble`);
}

const DAY = 86_400_000;
const log = silentLogger();
let dns: DnsServer | undefined;
let pebble: BenchTarget | undefined;
let http01Port = 0;

beforeAll(async () => {
  if (!installed) return;
  http01Port = await freePort();
  dns = await startDnsServer(await freePort(), await freePort());
  pebble = await startPebble({ dnsAddress: dns.resolver, http01Port });
}, 60_000);

afterAll(async () => {
  await pebble?.stop();
  await dns?.stop();
});

describe.skipIf(!installed)("tls-certificate-manager mode acme, against pebble", () => {
  it("obtains the certificate with http-01, serves it, reuses the cache at the next start, and renews inside renew-before", async () => {
    if (!pebble) throw new Error("pebble did not start");
    const endpoint = pebble.endpoint;
    await withTempDir(async (dir) => {
      await writeFile(join(dir, "pebble-ca.pem"), endpoint.caPem);
      const clock = { ms: Date.now(), now: (): Date => new Date(clock.ms) };
      const config: ServerCertificateConfig = {
        server: { urls: [new URL("https://certeasy.test/")] },
        authorities: [],
        tlsCertificateManager: {
          bundles: [{ name: "public", hosts: ["certeasy.test"], mode: "acme", key: { type: "ecdsa", curve: "P-256" } }],
          renewBeforeMs: 30 * DAY,
          fileWatchIntervalMs: 3_600_000,
          acquireTimeoutMs: 60_000,
          pkiPollIntervalMs: 2_000,
          localPkiCacheDir: join(dir, "server-certificate-cache"),
          acme: {
            // pebble's own certificate names 127.0.0.1 too: no dependence on how localhost resolves
            directoryUrl: endpoint.directoryUrl.replace("//localhost:", "//127.0.0.1:"),
            email: "pki@certeasy.test",
            httpAddress: { host: "127.0.0.1", port: http01Port },
            caBundleFile: join(dir, "pebble-ca.pem"),
            cacheDir: join(dir, "autocert"),
          },
        },
      };
      const start = async () => startTlsCertificateManager({ config, authorities: new Map(), rootCa: await rootCa(dir), clock: clock.now, log });

      const manager = await start();
      const first = manager.credentials("public");
      let restartedFingerprint: string | undefined;
      try {
        expect(first).toBeDefined();
        const leaf = new X509Certificate(first?.certChainPem ?? "");
        expect(leaf.subjectAltName).toBe("DNS:certeasy.test");
        expect(leaf.issuer).toMatch(/Pebble/);
        const server = await startHttpsServer({ app: acmeApp(), host: "127.0.0.1", port: 0, tls: manager, timeouts: TIMEOUTS, log });
        try {
          expect(await servedFingerprint(server.port, "certeasy.test")).toBe(first?.fingerprint);

          clock.ms = (first?.notAfter.getTime() ?? 0) - 29 * DAY;
          await manager.check();
          const renewed = manager.credentials("public");
          expect(renewed?.fingerprint).not.toBe(first?.fingerprint);
          expect(await servedFingerprint(server.port, "certeasy.test")).toBe(renewed?.fingerprint);
          restartedFingerprint = renewed?.fingerprint;
        } finally {
          await server.close(1000);
        }
      } finally {
        await manager.close();
      }

      const accountKey = await readFile(join(dir, "autocert", "account.key"), "utf8");
      clock.ms = Date.now();
      const restarted = await start();
      try {
        expect(restarted.credentials("public")?.fingerprint).toBe(restartedFingerprint);
        expect(await readFile(join(dir, "autocert", "account.key"), "utf8")).toBe(accountKey);
      } finally {
        await restarted.close();
      }
    });
  }, 120_000);
});
