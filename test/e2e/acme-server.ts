/**
 * An in-process Certeasy ACME server for protocol tests with real clients: a node core on a
 * fresh SQLite workdir, the HTTPS listener on a free loopback port, the bootstrap CA to trust.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { AccountService } from "../../src/acme/accounts/account-service.js";
import { NonceService } from "../../src/acme/nonces/nonce-service.js";
import { ensureLocalRootCa } from "../../src/ca/local/bootstrap.js";
import { createAcmeApp } from "../../src/http/app.js";
import { startHttpsServer } from "../../src/http/listener.js";
import { openNode, type NodeCore } from "../../src/node/open-node.js";
import { ensureServerCertificate } from "../../src/tls/server-certificate.js";
import { freePort } from "./harness.js";

export interface AcmeTestServer {
  readonly directoryUrl: string;
  readonly rootPem: string;
  readonly core: NodeCore;
  readonly workdir: string;
  stop(): Promise<void>;
}

export async function startAcmeTestServer(): Promise<AcmeTestServer> {
  const workdir = await mkdtemp(join(tmpdir(), "certeasy-acme-"));
  const log = pino({ level: "silent" });
  const clock = (): Date => new Date();
  const core = await openNode({ workdir, store: { driver: "sqlite", path: join(workdir, "db.sqlite") }, noddl: false, auditPath: join(workdir, "audit.log"), log, clock });
  const port = await freePort();
  const base = `https://localhost:${port}/`;
  const ca = await ensureLocalRootCa(join(workdir, "local-ca"));
  const certificate = await ensureServerCertificate({ cacheDir: join(workdir, "server-certificate-cache"), hosts: ["localhost"], ca, clock: { now: clock } });
  const app = createAcmeApp({
    serverUrls: [base],
    maxBodyBytes: 1_048_576,
    readiness: () => [],
    log,
    nonces: new NonceService({ clock }),
    accounts: new AccountService(core.dialect, core.writer, { termsOfServiceRequired: false, externalAccountRequired: false }),
  });
  const listener = await startHttpsServer({
    app,
    host: "127.0.0.1",
    port,
    tls: { key: certificate.keyPem, cert: certificate.certChainPem },
    timeouts: { readHeaderTimeoutMs: 5000, readTimeoutMs: 10_000, writeTimeoutMs: 30_000, idleTimeoutMs: 60_000 },
    log,
  });
  return {
    directoryUrl: `${base}acme/directory`,
    rootPem: await readFile(certificate.rootCaPath, "utf8"),
    core,
    workdir,
    async stop() {
      await listener.close(1000);
      await core.stop("shutdown");
      await rm(workdir, { recursive: true, force: true });
    },
  };
}
