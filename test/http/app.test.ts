import { describe, expect, it } from "vitest";
import { NonceService } from "../../src/acme/nonces/nonce-service.js";
import { createAcmeApp, type AcmeAppDeps } from "../../src/http/app.js";
import { AcmeProblem } from "../../src/http/problem.js";
import { DenialRecorder, RateLimiter, RateLimitLedger } from "../../src/ratelimit/index.js";
import { rateConfig, T0 } from "../ratelimit/support.js";
import type { ReadinessCheck } from "../../src/http/routes/health.js";
import { capturingLogger, silentLogger } from "./helpers.js";

const SERVER_URLS = ["https://acme.corp.internal", "https://acme-b.corp.internal:9443/edge/"];

function app(overrides: Partial<AcmeAppDeps> = {}) {
  return createAcmeApp({
    serverUrls: SERVER_URLS,
    maxBodyBytes: 1024,
    readiness: () => [],
    log: silentLogger(),
    nonces: new NonceService({ clock: () => new Date() }),
    ...overrides,
  });
}

const directoryAt = (host: string) =>
  app().request("https://ignored.example/acme/directory", { headers: { host } });

describe("GET /acme/directory (RFC 8555 §7.1.1)", () => {
  it("lists every resource under the configured URL matching the Host header", async () => {
    const res = await directoryAt("acme.corp.internal");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({
      newNonce: "https://acme.corp.internal/acme/newNonce",
      newAccount: "https://acme.corp.internal/acme/newAccount",
      newOrder: "https://acme.corp.internal/acme/newOrder",
      revokeCert: "https://acme.corp.internal/acme/revoke-cert",
      keyChange: "https://acme.corp.internal/acme/keyChange",
      renewalInfo: "https://acme.corp.internal/acme/renewal-info",
      meta: { externalAccountRequired: false },
    });
  });

  it("uses the second configured URL, with its port and path prefix, for its own Host", async () => {
    const body = (await (await directoryAt("ACME-B.corp.internal:9443")).json()) as Record<string, string>;
    expect(body["newOrder"]).toBe("https://acme-b.corp.internal:9443/edge/acme/newOrder");
    expect(body["newNonce"]).toBe("https://acme-b.corp.internal:9443/edge/acme/newNonce");
  });

  it("never echoes an unknown Host: falls back to the first configured URL", async () => {
    const body = JSON.stringify(await (await directoryAt("evil.example:443")).json());
    expect(body).not.toContain("evil.example");
    expect(body).toContain("https://acme.corp.internal/acme/newAccount");
  });
});

describe("problem documents (RFC 8555 §6.7)", () => {
  it("answers an unknown route with a 404 malformed problem", async () => {
    const res = await app().request("https://acme.corp.internal/acme/nope");
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    const body = (await res.json()) as Record<string, unknown>;
    expect(body["type"]).toBe("urn:ietf:params:acme:error:malformed");
    expect(body["status"]).toBe(404);
  });

  it("refuses a plain GET of an ACME resource with 405, Allow: POST and a fresh nonce (RFC 8555 §6.3)", async () => {
    const a = app();
    a.post("/acme/order/:orderId", (c) => c.json({}));
    const res = await a.request("https://acme.corp.internal/acme/order/0190c1a2-0000-7000-8000-000000000000");
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
    expect(res.headers.get("replay-nonce")).toBeTruthy();
    expect(await res.json()).toMatchObject({ type: "urn:ietf:params:acme:error:malformed", detail: expect.stringContaining("POST-as-GET") });
  });

  it("answers a method a known resource does not support with 405 and the methods it does (RFC 9110 §15.5.6)", async () => {
    for (const [method, path] of [["POST", "/acme/directory"], ["DELETE", "/acme/newNonce"]] as const) {
      const res = await app().request(`https://acme.corp.internal${path}`, { method });
      expect(res.status, `${method} ${path}`).toBe(405);
      expect(res.headers.get("allow"), `${method} ${path}`).toBe("GET, HEAD");
      expect(res.headers.get("replay-nonce")).toBeTruthy();
      expect(await res.json()).toMatchObject({ type: "urn:ietf:params:acme:error:malformed", status: 405, detail: `${method} is not allowed on ${path}; it answers GET, HEAD.` });
    }
    const probe = await app().request("https://acme.corp.internal/healthz", { method: "PUT" });
    expect([probe.status, probe.headers.get("allow")]).toEqual([405, "GET, HEAD"]);
  });

  it("renders a thrown plain Error as 500 serverInternal without leaking its message", async () => {
    const logged = capturingLogger();
    const a = app({ log: logged.log });
    a.get("/boom", () => {
      throw new Error("db password is hunter2");
    });
    const res = await a.request("https://acme.corp.internal/boom");
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ type: "urn:ietf:params:acme:error:serverInternal", status: 500 });
    expect(text).not.toContain("hunter2");
    // The real cause is kept for the operator.
    expect(JSON.stringify(logged.lines())).toContain("hunter2");
  });

  it("renders a thrown non-Error value as a problem document too", async () => {
    const a = app();
    a.get("/odd", () => {
      throw "a string, not an Error" as unknown as Error;
    });
    const res = await a.request("https://acme.corp.internal/odd");
    expect(res.status).toBe(500);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(await res.text()).not.toContain("a string");
  });

  it("renders an AcmeProblem as itself, with subproblems, Retry-After and a Replay-Nonce", async () => {
    const nonces = new NonceService({ clock: () => new Date() });
    const a = app({ nonces });
    a.get("/limited", () => {
      throw new AcmeProblem({
        type: "rateLimited",
        status: 429,
        detail: "too many new orders",
        retryAfterSeconds: 61,
        subproblems: [{ type: "rejectedIdentifier", detail: "nope", identifier: { type: "dns", value: "x.example" } }],
      });
    });
    const res = await a.request("https://acme.corp.internal/limited");
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("61");
    expect(nonces.consume(res.headers.get("replay-nonce") ?? "")).toBe("ok");
    expect(await res.json()).toEqual({
      type: "urn:ietf:params:acme:error:rateLimited",
      detail: "too many new orders",
      status: 429,
      subproblems: [
        {
          type: "urn:ietf:params:acme:error:rejectedIdentifier",
          detail: "nope",
          identifier: { type: "dns", value: "x.example" },
        },
      ],
    });
    const notFound = await a.request("https://acme.corp.internal/missing");
    expect(nonces.consume(notFound.headers.get("replay-nonce") ?? "")).toBe("ok");
  });
});

describe("max-body-bytes guard", () => {
  it("refuses a POST body above the limit with 413 and a problem document", async () => {
    const res = await app().request("https://acme.corp.internal/acme/newOrder", {
      method: "POST",
      headers: { "content-type": "application/jose+json" },
      body: "x".repeat(1025),
    });
    expect(res.status).toBe(413);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(await res.json()).toMatchObject({ type: "urn:ietf:params:acme:error:malformed", status: 413 });
  });

  it("lets a POST at the limit through to routing", async () => {
    const a = app();
    a.post("/echo-size", async (c) => c.json({ size: (await c.req.text()).length }));
    const res = await a.request("https://acme.corp.internal/echo-size", { method: "POST", body: "x".repeat(1024) });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ size: 1024 });
  });
});

describe("health probes", () => {
  it("/healthz answers ok while the process is alive", async () => {
    const res = await app().request("https://acme.corp.internal/healthz");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });

  it("/readyz is 503 until every check is ready, then 200", async () => {
    let checks: ReadinessCheck[] = [
      { name: "store", ready: true },
      { name: "projections", ready: false, detail: "replaying 10/50" },
    ];
    const a = app({ readiness: async () => checks });
    const before = await a.request("https://acme.corp.internal/readyz");
    expect(before.status).toBe(503);
    expect(await before.json()).toEqual({
      status: "not-ready",
      checks: [
        { name: "store", state: "ready" },
        { name: "projections", state: "not-ready", detail: "replaying 10/50" },
      ],
    });
    checks = [
      { name: "store", ready: true },
      { name: "projections", ready: true },
    ];
    const after = await a.request("https://acme.corp.internal/readyz");
    expect(after.status).toBe(200);
    expect(await after.json()).toMatchObject({ status: "ready" });
  });

  it("/readyz is 503 when the readiness callback itself fails", async () => {
    const res = await app({
      readiness: () => {
        throw new Error("store unreachable");
      },
    }).request("https://acme.corp.internal/readyz");
    expect(res.status).toBe(503);
  });
});

describe("request log", () => {
  it("writes one line per request with method, path, status and duration", async () => {
    const logged = capturingLogger();
    const a = app({ log: logged.log });
    await a.request("https://acme.corp.internal/acme/directory");
    await a.request("https://acme.corp.internal/nowhere", { method: "POST", body: "{}" });
    const requests = logged.lines().filter((l) => l["msg"] === "request");
    expect(requests).toHaveLength(2);
    expect(requests[0]).toMatchObject({ method: "GET", path: "/acme/directory", status: 200 });
    expect(requests[1]).toMatchObject({ method: "POST", path: "/nowhere", status: 404 });
    expect(typeof requests[0]?.["ms"]).toBe("number");
  });
});

describe("a node that lost the writer lease (DESIGN §2 invariant 8)", () => {
  it("answers every ACME request 503 serverInternal with Retry-After and a nonce, while probes still answer", async () => {
    let lost: Error | undefined;
    const standing = app({ standDown: () => lost, readiness: () => [{ name: "writer", ready: lost === undefined }] });
    expect((await standing.request("https://acme.corp.internal/acme/directory")).status).toBe(200);

    lost = new Error("lease taken over");
    for (const [method, path] of [["GET", "/acme/directory"], ["HEAD", "/acme/newNonce"], ["POST", "/acme/newOrder"]] as const) {
      const res = await standing.request(`https://acme.corp.internal${path}`, { method });
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe("5");
      expect(res.headers.get("replay-nonce")).toBeTruthy();
      if (method !== "HEAD") {
        expect(await res.json()).toMatchObject({ type: "urn:ietf:params:acme:error:serverInternal", detail: expect.stringContaining("writer lease") });
      }
    }
    expect((await standing.request("https://acme.corp.internal/healthz")).status).toBe(200);
    expect((await standing.request("https://acme.corp.internal/readyz")).status).toBe(503);
  });
});

describe("per-address limits around the routes (reference §7)", () => {
  // In process there is no socket: every request comes from the address "unknown".
  const limitedApp = (yaml: string, standingBy: () => boolean = () => false) => {
    const config = rateConfig(yaml);
    const ledger = new RateLimitLedger(config);
    const limiter = new RateLimiter({ config, ledger: () => ledger });
    const recorder = new DenialRecorder({ append: () => Promise.reject(new Error("not recorded in this test")) }, silentLogger());
    return app({ standingBy, rateLimits: { limiter, recorder, clock: () => new Date(T0) } });
  };

  it("never limits the probes, and refuses ACME requests past the burst with 429, Retry-After and a nonce", async () => {
    const limited = limitedApp("  global:\n    requests-per-minute: 60\n    burst: 2\n");
    for (let i = 0; i < 5; i++) expect((await limited.request("https://acme.corp.internal/healthz")).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await limited.request("https://acme.corp.internal/acme/directory")).status).toBe(200);
    const refused = await limited.request("https://acme.corp.internal/acme/directory");
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(refused.headers.get("replay-nonce")).toBeTruthy();
    expect(await refused.json()).toMatchObject({ type: "urn:ietf:params:acme:error:rateLimited" });
  });

  it("answers a standby's 503 before the limits, so waiting clients spend no tokens", async () => {
    let standingBy = true;
    const limited = limitedApp("  global:\n    requests-per-minute: 60\n    burst: 1\n", () => standingBy);
    for (let i = 0; i < 3; i++) expect((await limited.request("https://acme.corp.internal/acme/directory")).status).toBe(503);
    standingBy = false;
    expect((await limited.request("https://acme.corp.internal/acme/directory")).status).toBe(200);
    expect((await limited.request("https://acme.corp.internal/acme/directory")).status).toBe(429);
  });

  it("weighs misses on ACME object URLs (¼ each) until the address is refused for abuse", async () => {
    const limited = limitedApp("  abuse:\n    abuses-before-block: 1\n");
    for (let i = 0; i < 4; i++) expect((await limited.request("https://acme.corp.internal/acme/nope", { method: "POST" })).status).toBe(404);
    const refused = await limited.request("https://acme.corp.internal/acme/directory");
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ type: "urn:ietf:params:acme:error:rateLimited" });
  });
});
