import { connect as tlsConnect } from "node:tls";
import { Agent } from "node:https";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gate, httpsFetch } from "./helpers.js";
import { TIMEOUTS, type TlsFixture, acmeApp, bootstrapTls, listenOnLoopback } from "./tls-fixture.js";

let fixture: TlsFixture;
let rootPem: string;
beforeAll(async () => {
  fixture = await bootstrapTls();
  rootPem = fixture.rootPem;
});
afterAll(() => fixture.dispose());
const listen = (app = acmeApp(), timeouts = TIMEOUTS) => listenOnLoopback(fixture, app, timeouts);

describe("graceful drain", () => {
  function slowApp(entered: () => void, release: Promise<void>) {
    const app = acmeApp();
    app.get("/slow", async (c) => {
      entered();
      await release;
      return c.text("done");
    });
    return app;
  }

  it("refuses new connections, lets the in-flight request finish, then resolves", async () => {
    const entered = gate();
    const release = gate();
    const server = await listen(slowApp(entered.open, release.promise));
    // A keep-alive client: the drain must close its connection, not wait for the idle timeout.
    const agent = new Agent({ keepAlive: true, ca: rootPem });
    const inFlight = httpsFetch({ host: "127.0.0.1", port: server.port, path: "/slow", ca: rootPem, agent });
    await entered.promise;

    const closing = server.close(5000);
    await expect(
      httpsFetch({ host: "127.0.0.1", port: server.port, path: "/healthz", ca: rootPem }),
    ).rejects.toMatchObject({ code: "ECONNREFUSED" });

    const released = Date.now();
    release.open();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(res.body).toBe("done");
    await expect(closing).resolves.toEqual({ completed: 1, aborted: 0 });
    // Resolved by the drain itself, not by the 5 s deadline.
    expect(Date.now() - released).toBeLessThan(1000);
    agent.destroy();
  });

  it("cuts requests still running when the shutdown timeout expires and reports them", async () => {
    const entered = gate();
    const never = gate();
    const server = await listen(slowApp(entered.open, never.promise));
    const inFlight = httpsFetch({ host: "127.0.0.1", port: server.port, path: "/slow", ca: rootPem });
    await entered.promise;
    const started = Date.now();
    await expect(server.close(300)).resolves.toEqual({ completed: 0, aborted: 1 });
    expect(Date.now() - started).toBeLessThan(2000);
    await expect(inFlight).rejects.toThrow();
  });
});

describe("server timeouts", () => {
  it("cuts a slow-loris client that sends its headers byte by byte (read-header-timeout)", async () => {
    const server = await listen(acmeApp(), { ...TIMEOUTS, readHeaderTimeoutMs: 300, readTimeoutMs: 3000 });
    try {
      const socket = tlsConnect({ host: "127.0.0.1", port: server.port, ca: rootPem });
      await new Promise<void>((resolve, reject) => socket.once("secureConnect", resolve).once("error", reject));
      const headers = "GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Padding: " + "a".repeat(10_000);
      let sent = 0;
      let received = "";
      socket.on("data", (d: Buffer) => (received += d.toString("latin1")));
      socket.on("error", () => undefined);
      const started = Date.now();
      const drip = setInterval(() => {
        if (sent < headers.length && !socket.destroyed) socket.write(headers[sent++] ?? "");
      }, 20);
      await new Promise<void>((resolve) => socket.once("close", () => resolve()));
      clearInterval(drip);
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(250);
      // Cut by the header deadline, well before the 3 s read-timeout would have fired.
      expect(elapsed).toBeLessThan(2000);
      expect(sent).toBeLessThan(headers.length);
      expect(received).toMatch(/^HTTP\/1\.1 408/);
    } finally {
      await server.close(1000);
    }
  });

  it("closes the connection of a request that outlives write-timeout", async () => {
    const never = gate();
    const app = acmeApp();
    app.get("/stuck", async (c) => {
      await never.promise;
      return c.text("late");
    });
    const server = await listen(app, { ...TIMEOUTS, writeTimeoutMs: 300 });
    try {
      const started = Date.now();
      await expect(httpsFetch({ host: "127.0.0.1", port: server.port, path: "/stuck", ca: rootPem })).rejects.toThrow(
        /socket hang up|ECONNRESET/,
      );
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await server.close(1000);
    }
  });
});
