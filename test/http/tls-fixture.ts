/** A bootstrap CA + server certificate for `localhost` and `127.0.0.1`, and a small ACME app. */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureLocalRootCa } from "../../src/ca/local/bootstrap.js";
import { NonceService } from "../../src/acme/nonces/nonce-service.js";
import { createAcmeApp } from "../../src/http/app.js";
import { type ServerTimeouts, startHttpsServer } from "../../src/http/listener.js";
import { ensureServerCertificate } from "../../src/tls/server-certificate.js";
import { silentLogger } from "./helpers.js";

export const TIMEOUTS: ServerTimeouts = {
  readHeaderTimeoutMs: 5000,
  readTimeoutMs: 10_000,
  writeTimeoutMs: 30_000,
  idleTimeoutMs: 60_000,
};

export interface TlsFixture {
  readonly rootPem: string;
  readonly tls: { readonly key: string; readonly cert: string };
  dispose(): Promise<void>;
}

export async function bootstrapTls(): Promise<TlsFixture> {
  const workdir = await mkdtemp(join(tmpdir(), "certeasy-listener-"));
  const ca = await ensureLocalRootCa(join(workdir, "local-ca"));
  const cert = await ensureServerCertificate({
    cacheDir: join(workdir, "server-certificate-cache"),
    hosts: ["localhost", "127.0.0.1"],
    ca,
    clock: { now: () => new Date() },
  });
  return {
    rootPem: await readFile(cert.rootCaPath, "utf8"),
    tls: { key: cert.keyPem, cert: cert.certChainPem },
    dispose: () => rm(workdir, { recursive: true, force: true }),
  };
}

export function acmeApp() {
  return createAcmeApp({
    serverUrls: ["https://localhost:8443", "https://127.0.0.1:8443"],
    maxBodyBytes: 1024,
    readiness: () => [],
    log: silentLogger(),
    nonces: new NonceService({ clock: () => new Date() }),
  });
}

export function listenOnLoopback(
  fixture: TlsFixture,
  app: ReturnType<typeof acmeApp> = acmeApp(),
  timeouts: ServerTimeouts = TIMEOUTS,
) {
  return startHttpsServer({ app, host: "127.0.0.1", port: 0, tls: fixture.tls, timeouts, log: silentLogger() });
}
