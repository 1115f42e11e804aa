/**
 * Mode `pki` (reference §9): the server certificate is issued through a Certeasy authority (the
 * embedded CA here), cached, reused at the next start, and renewed `renew-before` ahead of its
 * expiry by the manager's check — the clock is injected, so no test waits for a timer.
 */
import { X509Certificate, createPrivateKey } from "node:crypto";
import { stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { CertificateAuthority } from "../../src/ca/authority.js";
import { openLocalAuthority, type LocalAuthority } from "../../src/ca/local/local-authority.js";
import type { ServerKeySpec } from "../../src/config/index.js";
import { startHttpsServer } from "../../src/http/listener.js";
import { TlsCertificateManager } from "../../src/tls/manager.js";
import { bootstrapSource } from "../../src/tls/sources/bootstrap-source.js";
import { filesSource } from "../../src/tls/sources/files-source.js";
import { pkiSource } from "../../src/tls/sources/pki-source.js";
import { silentLogger, withTempDir } from "../http/helpers.js";
import { TIMEOUTS, acmeApp } from "../http/tls-fixture.js";
import { certificateFor, rootCa, servedFingerprint } from "./support.js";

const DAY = 86_400_000;
const RENEW_BEFORE = 30 * DAY;
const log = silentLogger();
const HOSTS = ["pki.test", "127.0.0.1"];

interface World {
  readonly authority: LocalAuthority;
  readonly cacheDir: string;
  readonly clock: { ms: number; readonly now: () => Date };
  source(key?: ServerKeySpec, authority?: CertificateAuthority): ReturnType<typeof pkiSource>;
}

async function withLocalAuthority(test: (world: World) => Promise<void>): Promise<void> {
  await withTempDir(async (dir) => {
    const clock = { ms: Math.floor(Date.now() / 1000) * 1000, now: (): Date => new Date(clock.ms) };
    const authority = await openLocalAuthority({ dir: join(dir, "local-ca"), name: "local", crlUrl: "https://pki.test/crl/local.crl", now: clock.now });
    const cacheDir = join(dir, "server-certificate-cache");
    await test({
      authority,
      cacheDir,
      clock,
      source: (key = { type: "ecdsa", curve: "P-256" }, issuer: CertificateAuthority = authority) =>
        pkiSource({
          bundle: "internal",
          hosts: HOSTS,
          key,
          authority: issuer,
          issuerPem: authority.issuingCertificatePem,
          cacheDir,
          renewBeforeMs: RENEW_BEFORE,
          pollIntervalMs: 10,
          acquireTimeoutMs: 5_000,
          log,
        }),
    });
  });
}

describe("tls-certificate-manager mode pki", () => {
  it("issues through the authority with the configured key type, chained to its issuing CA, and caches it", async () => {
    await withLocalAuthority(async ({ authority, cacheDir, clock, source }) => {
      const credentials = await source({ type: "ecdsa", curve: "P-384" }).initial(clock.now());
      const leaf = new X509Certificate(credentials.certChainPem);
      const issuing = new X509Certificate(authority.issuingCertificatePem);
      expect(leaf.checkIssued(issuing) && leaf.verify(issuing.publicKey)).toBe(true);
      expect(leaf.subjectAltName).toBe("DNS:pki.test, IP Address:127.0.0.1");
      expect(createPrivateKey(credentials.keyPem).asymmetricKeyDetails?.namedCurve).toBe("secp384r1");
      expect((await stat(join(cacheDir, "internal.key"))).mode & 0o777).toBe(0o600);
      expect((await stat(join(cacheDir, "internal-chain.pem"))).mode & 0o777).toBe(0o600);

      const rsa = await source({ type: "rsa", size: 2048 }).initial(clock.now());
      expect(rsa.fingerprint).not.toBe(credentials.fingerprint);
      expect(createPrivateKey(rsa.keyPem).asymmetricKeyDetails?.modulusLength).toBe(2048);
    });
  });

  it("reuses the cached certificate at the next start, and renews it inside renew-before while serving", async () => {
    await withLocalAuthority(async ({ clock, source }) => {
      const first = await source().initial(clock.now());
      clock.ms += 59 * DAY;
      const restarted = await source().initial(clock.now());
      expect(restarted.fingerprint).toBe(first.fingerprint);

      const manager = await TlsCertificateManager.start({
        bundles: [{ name: "internal", hosts: HOSTS, source: source() }],
        defaultBundle: "internal",
        checkIntervalMs: 0,
        clock: clock.now,
        log,
      });
      const server = await startHttpsServer({ app: acmeApp(), host: "127.0.0.1", port: 0, tls: manager, timeouts: TIMEOUTS, log });
      try {
        await manager.check();
        expect(await servedFingerprint(server.port, "pki.test")).toBe(first.fingerprint);

        clock.ms += 2 * DAY; // 61 days into a 90-day certificate: 29 days left, inside renew-before
        await manager.check();
        const renewed = manager.credentials("internal");
        expect(renewed?.fingerprint).not.toBe(first.fingerprint);
        expect(renewed?.notBefore.getTime()).toBeGreaterThanOrEqual(clock.ms - 3_600_000);
        expect(await servedFingerprint(server.port, "pki.test")).toBe(renewed?.fingerprint);
        expect(await servedFingerprint(server.port)).toBe(renewed?.fingerprint);

        // The renewal went to the cache: the next start serves it.
        expect((await source().initial(clock.now())).fingerprint).toBe(renewed?.fingerprint);
      } finally {
        await server.close(1000);
        await manager.close();
      }
    });
  });

  it("requests a new certificate when the key setting changed", async () => {
    await withLocalAuthority(async ({ clock, source }) => {
      const ecdsa = await source().initial(clock.now());
      const rsa = await source({ type: "rsa", size: 2048 }).initial(clock.now());
      expect(rsa.fingerprint).not.toBe(ecdsa.fingerprint);
      expect((await source({ type: "rsa", size: 2048 }).initial(clock.now())).fingerprint).toBe(rsa.fingerprint);
    });
  });

  it("polls an authority that holds the request, and refuses to start when the authority denies it", async () => {
    await withLocalAuthority(async ({ authority, clock, source }) => {
      let polls = 0;
      const approving: CertificateAuthority = {
        ...authority,
        name: "adcs",
        submit: async (request) => {
          await authority.submit(request);
          return { kind: "pending", requestId: request.requestKey };
        },
        poll: async (requestId) => {
          polls += 1;
          return polls < 3 ? { kind: "pending", requestId } : authority.poll(requestId);
        },
      };
      const approved = await source(undefined, approving).initial(clock.now());
      expect(polls).toBe(3);
      expect(new X509Certificate(approved.certChainPem).subjectAltName).toContain("pki.test");

      const denying: CertificateAuthority = { ...authority, name: "adcs", submit: async () => ({ kind: "denied", reason: "key length refused by the template" }) };
      clock.ms += 80 * DAY; // the cached certificate is due, so a new one is requested
      await expect(source(undefined, denying).initial(clock.now())).rejects.toThrow(
        "authority adcs refused the server certificate of bundle internal: key length refused by the template",
      );
    });
  });
});

describe("SNI", () => {
  it("answers each name with its bundle's certificate, and a handshake without SNI or for another name with the default bundle", async () => {
    await withTempDir(async (dir) => {
      const ca = await rootCa(dir);
      const other = await certificateFor(ca, ["b.test"]);
      await writeFile(join(dir, "b.pem"), other.cert);
      await writeFile(join(dir, "b.key"), other.key);
      const manager = await TlsCertificateManager.start({
        bundles: [
          { name: "a", hosts: ["a.test", "127.0.0.1"], source: bootstrapSource({ ca, cacheDir: join(dir, "cache"), hosts: ["a.test", "127.0.0.1"], renewBeforeMs: RENEW_BEFORE, log }) },
          { name: "b", hosts: ["b.test"], source: filesSource({ bundle: "b", certFile: join(dir, "b.pem"), keyFile: join(dir, "b.key"), hosts: ["b.test"], log }) },
        ],
        defaultBundle: "a",
        checkIntervalMs: 0,
        clock: () => new Date(),
        log,
      });
      const server = await startHttpsServer({ app: acmeApp(), host: "127.0.0.1", port: 0, tls: manager, timeouts: TIMEOUTS, log });
      try {
        const a = manager.credentials("a")?.fingerprint;
        const b = new X509Certificate(other.cert).fingerprint256;
        expect(a).toBeDefined();
        expect(await servedFingerprint(server.port, "a.test")).toBe(a);
        expect(await servedFingerprint(server.port, "B.TEST")).toBe(b);
        expect(await servedFingerprint(server.port)).toBe(a);
        expect(await servedFingerprint(server.port, "unknown.test")).toBe(a);
      } finally {
        await server.close(1000);
        await manager.close();
      }
    });
  });
});
