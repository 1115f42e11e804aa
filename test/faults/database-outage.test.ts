/**
 * The network between Certeasy and PostgreSQL is cut while it serves, then restored: requests
 * fail fast with 503 serverInternal and Retry-After (never a 500, never a hang), readiness
 * says why, the pool reconnects by itself, and nothing acknowledged is lost.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AccountService } from "../../src/acme/accounts/account-service.js";
import { NonceService } from "../../src/acme/nonces/nonce-service.js";
import { createAcmeApp } from "../../src/http/app.js";
import { openNode } from "../../src/node/open-node.js";
import { nodeReadiness } from "../../src/node/readiness.js";
import { ChainVerifier } from "../../src/store/verify-chain.js";
import { accountKey, signedBody } from "../acme/jws-fixtures.js";
import { PG_DSN, postgresForTests } from "../support/postgres.js";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.js";

const BASE = "https://acme.corp.internal";
const pg = postgresForTests("outage");
let proxy: TcpProxy;

beforeAll(async () => {
  await pg.setup();
  proxy = await startTcpProxy(5432);
});
afterAll(async () => {
  await proxy?.close();
  await pg.teardown();
});

describe("database outage (PostgreSQL behind a cuttable link)", () => {
  it("answers 503 with Retry-After while the link is cut and recovers without a restart", async () => {
    const direct = pg.storeOptions();
    if (!direct || direct.driver !== "postgres") return;
    const store = { ...direct, dsn: PG_DSN.replace(":5432/", `:${proxy.port}/`), pingTimeoutMs: 2000 };
    const workdir = await mkdtemp(join(tmpdir(), "certeasy-outage-"));
    const log = pino({ level: "silent" });
    const core = await openNode({ workdir, store, noddl: false, auditPath: join(workdir, "audit.log"), log });
    const readiness = nodeReadiness(core, 1000);
    const app = createAcmeApp({
      serverUrls: [`${BASE}/`], maxBodyBytes: 65_536, readiness, log,
      nonces: new NonceService({ clock: () => new Date() }),
      accounts: new AccountService(core.dialect, core.writer, { termsOfServiceRequired: false, externalAccountRequired: false }),
    });
    const newAccount = async (): Promise<Response> => {
      const nonce = (await app.request(`${BASE}/acme/newNonce`)).headers.get("replay-nonce") ?? "";
      const body = await signedBody(await accountKey("ES256"), { url: `${BASE}/acme/newAccount`, nonce, payload: {} });
      return app.request(`${BASE}/acme/newAccount`, { method: "POST", headers: { "Content-Type": "application/jose+json" }, body });
    };
    try {
      expect((await newAccount()).status).toBe(201);

      await proxy.cut();
      const started = performance.now();
      const refused = await newAccount();
      expect(performance.now() - started).toBeLessThan(5000);
      expect(refused.status).toBe(503);
      expect(refused.headers.get("retry-after")).toBe("5");
      expect(refused.headers.get("replay-nonce")).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(await refused.json()).toMatchObject({ type: "urn:ietf:params:acme:error:serverInternal", status: 503 });
      const ready = await app.request(`${BASE}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ checks: expect.arrayContaining([expect.objectContaining({ name: "database", state: "not-ready" })]) });

      await proxy.restore();
      await expect.poll(async () => (await newAccount()).status, { timeout: 15_000, interval: 250 }).toBe(201);
      expect((await app.request(`${BASE}/readyz`)).status).toBe(200);

      const rows = await core.dialect.readAll(0, 1000);
      const chain = new ChainVerifier();
      for (const row of rows) expect(chain.check(row.position, row.body, row.hash, row)).toBeNull();
      expect(rows.filter((r) => r.eventType === "acme.account.registered").length).toBeGreaterThanOrEqual(2);
    } finally {
      await proxy.restore().catch(() => undefined);
      await core.stop("shutdown");
    }
  }, 60_000);
});
