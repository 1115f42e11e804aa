import { join } from "node:path";
import { createSecureContext } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureLocalRootCa } from "../../src/ca/local/bootstrap.js";
import { ListenError, startHttpsServer } from "../../src/http/listener.js";
import { ensureServerCertificate } from "../../src/tls/server-certificate.js";
import { httpsFetch, silentLogger, withTempDir } from "./helpers.js";
import { TIMEOUTS, type TlsFixture, acmeApp, bootstrapTls, listenOnLoopback } from "./tls-fixture.js";

const log = silentLogger();
let fixture: TlsFixture;
let rootPem: string;
let tls: TlsFixture["tls"];
beforeAll(async () => {
  fixture = await bootstrapTls();
  rootPem = fixture.rootPem;
  tls = fixture.tls;
});
afterAll(() => fixture.dispose());
const listen = () => listenOnLoopback(fixture);

describe("HTTPS listener with the bootstrap CA", () => {
  it("completes a TLS handshake trusting only the root, by DNS name and by IP address", async () => {
    const server = await listen();
    try {
      expect(server.url).toBe(`https://127.0.0.1:${server.port}`);
      expect(server.port).toBeGreaterThan(0);
      const byName = await httpsFetch({
        host: "127.0.0.1",
        servername: "localhost",
        port: server.port,
        path: "/acme/directory",
        headers: { host: `localhost:8443` },
        ca: rootPem,
      });
      expect(byName.status).toBe(200);
      expect(JSON.parse(byName.body)).toMatchObject({ newNonce: "https://localhost:8443/acme/newNonce" });

      const byIp = await httpsFetch({ host: "127.0.0.1", port: server.port, path: "/healthz", ca: rootPem });
      expect(byIp.status).toBe(200);

      // A name the certificate does not cover is refused by the client.
      await expect(
        httpsFetch({ host: "127.0.0.1", servername: "elsewhere.test", port: server.port, path: "/healthz", ca: rootPem }),
      ).rejects.toThrow(/elsewhere\.test/);
    } finally {
      await server.close(1000);
    }
  });

  it("serves per-SNI contexts from a context provider, with a default for clients without SNI", async () => {
    const other = await withTempDir(async (dir) => {
      const ca = await ensureLocalRootCa(join(dir, "ca"));
      const cert = await ensureServerCertificate({ cacheDir: dir, hosts: ["alt.test"], ca, clock: { now: () => new Date() } });
      return { root: ca.certificatePem, key: cert.keyPem, cert: cert.certChainPem };
    });
    const server = await startHttpsServer({
      app: acmeApp(),
      host: "127.0.0.1",
      port: 0,
      timeouts: TIMEOUTS,
      log,
      tls: {
        defaultCredentials: tls,
        secureContextFor: (name) => (name === "alt.test" ? createSecureContext({ key: other.key, cert: other.cert }) : undefined),
      },
    });
    try {
      const alt = await httpsFetch({ host: "127.0.0.1", servername: "alt.test", port: server.port, path: "/healthz", ca: other.root });
      expect(alt.status).toBe(200);
      const byIp = await httpsFetch({ host: "127.0.0.1", port: server.port, path: "/healthz", ca: rootPem });
      expect(byIp.status).toBe(200);
    } finally {
      await server.close(1000);
    }
  });

  it("refuses an oversized POST with 413 over the wire", async () => {
    const server = await listen();
    try {
      const res = await httpsFetch({
        host: "127.0.0.1",
        port: server.port,
        path: "/acme/newOrder",
        method: "POST",
        headers: { "content-type": "application/jose+json" },
        body: "x".repeat(5000),
        ca: rootPem,
      });
      expect(res.status).toBe(413);
      expect(res.headers["content-type"]).toBe("application/problem+json");
    } finally {
      await server.close(1000);
    }
  });

  it("refuses an oversized chunked POST, whose length no header states, with 413", async () => {
    const server = await listen();
    try {
      const res = await httpsFetch({
        host: "127.0.0.1",
        port: server.port,
        path: "/acme/newOrder",
        method: "POST",
        headers: { "content-type": "application/jose+json", "transfer-encoding": "chunked" },
        body: "x".repeat(5000),
        ca: rootPem,
      });
      expect(res.status).toBe(413);
      expect(res.headers["content-type"]).toBe("application/problem+json");
    } finally {
      await server.close(1000);
    }
  });

  it("rejects with an error naming the address when the port is taken", async () => {
    const first = await listen();
    try {
      const attempt = startHttpsServer({ app: acmeApp(), host: "127.0.0.1", port: first.port, tls, timeouts: TIMEOUTS, log });
      await expect(attempt).rejects.toThrow(ListenError);
      await expect(attempt).rejects.toThrow(`127.0.0.1:${first.port}`);
      await expect(attempt).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await first.close(1000);
    }
  });
});
