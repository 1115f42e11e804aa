/**
 * Pebble (Debian's `pebble` 2.4.0, Let's Encrypt's test ACME server) started next to Certeasy
 * for a side-by-side figure: its own config JSON pointing http-01 at the bench's responder, its
 * VA resolving through the bench's DNS server, with the test-only sabotage switched off
 * (PEBBLE_VA_NOSLEEP: no random 0–15 s sleep before validating; PEBBLE_WFE_NONCEREJECT=0: no
 * good nonces rejected on purpose; PEBBLE_AUTHZREUSE=0: every order validates, as Certeasy is
 * configured). Its HTTPS certificate is made here, self-signed for localhost.
 */
import "reflect-metadata";
import { randomBytes, webcrypto } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as x509 from "@peculiar/x509";
import { freePort } from "../../e2e/harness.js";
import type { BenchTarget, ChallengeWorld } from "./bench-target.js";
import { untilAnswering } from "./readiness.js";
import { spawnServer } from "./server-process.js";

export const PEBBLE_BINARY = "/usr/bin/pebble";

/**
 * Stock Debian Pebble 2.4.0 deadlocks under 16 or more concurrent clients: every request hangs
 * and it never recovers (seen here within the first second of a 16-client step; a shorter one
 * sometimes gets through). It is only driven up to this many clients.
 */
export const PEBBLE_CONCURRENCY_LIMIT = 4;

export function pebbleInstalled(): boolean {
  return existsSync(PEBBLE_BINARY);
}

export async function startPebble(world: ChallengeWorld): Promise<BenchTarget> {
  const dir = await mkdtemp(join(tmpdir(), "certeasy-bench-pebble-"));
  const cleanups: (() => Promise<void>)[] = [() => rm(dir, { recursive: true, force: true })];
  const cleanup = async (): Promise<void> => {
    for (const step of cleanups.reverse()) await step();
  };
  try {
    const tls = await localhostCertificate();
    await writeFile(join(dir, "cert.pem"), tls.certPem);
    await writeFile(join(dir, "key.pem"), tls.keyPem, { mode: 0o600 });
    const [port, managementPort, tlsAlpnPort] = [await freePort(), await freePort(), await freePort()];
    const config = {
      pebble: {
        listenAddress: `127.0.0.1:${port}`,
        managementListenAddress: `127.0.0.1:${managementPort}`,
        certificate: join(dir, "cert.pem"),
        privateKey: join(dir, "key.pem"),
        httpPort: world.http01Port,
        // nothing listens there: the bench only solves http-01
        tlsPort: tlsAlpnPort,
        ocspResponderURL: "",
        externalAccountBindingRequired: false,
      },
    };
    await writeFile(join(dir, "pebble-config.json"), JSON.stringify(config, null, 2));
    const server = spawnServer({
      command: PEBBLE_BINARY,
      args: ["-config", join(dir, "pebble-config.json"), "-dnsserver", world.dnsAddress],
      cwd: dir,
      env: { PEBBLE_VA_NOSLEEP: "1", PEBBLE_WFE_NONCEREJECT: "0", PEBBLE_AUTHZREUSE: "0" },
    });
    cleanups.push(() => server.stop());
    await server.waitFor(/ACME directory available at: \S+/, "ACME directory line", 30_000);
    const directoryUrl = `https://localhost:${port}/dir`;
    await untilAnswering(directoryUrl, tls.certPem, server.output);
    return {
      label: "pebble",
      endpoint: { directoryUrl, caPem: tls.certPem },
      pid: server.pid,
      output: server.output,
      stop: cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

const SIGNING = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

async function localhostCertificate(): Promise<{ certPem: string; keyPem: string }> {
  const keys = await webcrypto.subtle.generateKey(SIGNING, true, ["sign", "verify"]);
  const now = Date.now();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: `01${randomBytes(8).toString("hex")}`,
    name: "CN=localhost",
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 24 * 3_600_000),
    signingAlgorithm: SIGNING,
    keys,
    extensions: [
      new x509.SubjectAlternativeNameExtension([
        { type: "dns", value: "localhost" },
        { type: "ip", value: "127.0.0.1" },
      ]),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey)).toString("base64");
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8.replace(/(.{64})/g, "$1\n").trimEnd()}\n-----END PRIVATE KEY-----\n`;
  return { certPem: certificate.toString("pem"), keyPem };
}
