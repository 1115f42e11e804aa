import { describe, expect, it } from "vitest";
import { NonceService } from "../../src/acme/nonces/nonce-service.js";
import { createAcmeApp } from "../../src/http/app.js";
import { AcmeProblem } from "../../src/http/problem.js";
import { silentLogger } from "./helpers.js";

const SERVER_URLS = ["https://acme.corp.internal", "https://acme-b.corp.internal:9443/edge/"];
const INDEX = '<https://acme.corp.internal/acme/directory>;rel="index"';

function app() {
  const nonces = new NonceService({ clock: () => new Date() });
  const a = createAcmeApp({ serverUrls: SERVER_URLS, maxBodyBytes: 64, readiness: () => [], log: silentLogger(), nonces });
  a.get("/boom", () => {
    throw new Error("internal");
  });
  a.get("/odd", () => {
    throw "not an Error" as unknown as Error;
  });
  a.get("/refused", () => {
    throw new AcmeProblem({ type: "unauthorized", status: 403, detail: "no" });
  });
  return { a, nonces };
}

describe("newNonce (RFC 8555 §7.2)", () => {
  it("answers HEAD with 200 and GET with 204, uncached, with a usable nonce and the index link", async () => {
    const { a, nonces } = app();
    const head = await a.request("https://acme.corp.internal/acme/newNonce", { method: "HEAD" });
    const get = await a.request("https://acme.corp.internal/acme/newNonce");
    expect(head.status).toBe(200);
    // An explicit empty length keeps HTTP/1.1 connections alive across nonce requests.
    expect(head.headers.get("content-length")).toBe("0");
    expect(get.status).toBe(204);
    for (const res of [head, get]) {
      expect(res.headers.get("cache-control")).toBe("no-store");
      expect(res.headers.get("link")).toBe(INDEX);
      expect(await res.text()).toBe("");
      const nonce = res.headers.get("replay-nonce") ?? "";
      expect(nonce).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(nonces.consume(nonce)).toBe("ok");
      expect(nonces.consume(nonce)).toBe("reused");
    }
  });

  it("links to the directory of the configured URL the request was addressed to", async () => {
    const { a } = app();
    const res = await a.request("https://x/acme/newNonce", { headers: { host: "acme-b.corp.internal:9443" } });
    expect(res.headers.get("link")).toBe('<https://acme-b.corp.internal:9443/edge/acme/directory>;rel="index"');
  });
});

describe("Replay-Nonce and Link on every ACME response (RFC 8555 §6.5, §7.1)", () => {
  it("puts a distinct, single-use nonce and the index link on successes, problems, 404s, 413s and 500s", async () => {
    const { a, nonces } = app();
    const responses = [
      await a.request("https://acme.corp.internal/acme/newNonce"),
      await a.request("https://acme.corp.internal/acme/nowhere"),
      await a.request("https://acme.corp.internal/acme/newAccount", { method: "POST", body: "x".repeat(65) }),
      await a.request("https://acme.corp.internal/boom"),
      await a.request("https://acme.corp.internal/odd"),
      await a.request("https://acme.corp.internal/refused"),
    ];
    expect(responses.map((r) => r.status)).toEqual([204, 404, 413, 500, 500, 403]);
    const issued = responses.map((r) => r.headers.get("replay-nonce") ?? "");
    expect(new Set(issued).size).toBe(responses.length);
    for (const res of responses) expect(res.headers.get("link")).toBe(INDEX);
    expect(issued.map((n) => nonces.consume(n))).toEqual(issued.map(() => "ok"));
    expect(issued.map((n) => nonces.consume(n))).toEqual(issued.map(() => "reused"));
  });

  it("spends exactly one nonce per response, problem responses included", async () => {
    const { a, nonces } = app();
    await a.request("https://acme.corp.internal/acme/newNonce");
    await a.request("https://acme.corp.internal/refused");
    await a.request("https://acme.corp.internal/acme/nowhere");
    expect(nonces.footprint().issued).toBe(3);
  });

  // The Ruby acme-client gem (2.0.9 in Debian bookworm, and 2.0.15 still) fetches the directory
  // through its nonce-storing middleware with no client behind it: a Replay-Nonce there raises
  // NoMethodError before its first request. RFC 8555 §6.5 asks for nonces on POST responses
  // and newNonce (§7.2); Let's Encrypt sends none with the directory.
  it("leaves the directory without a nonce, and spends none on it, but keeps its index link", async () => {
    const { a, nonces } = app();
    for (const method of ["GET", "HEAD"]) {
      const res = await a.request("https://acme.corp.internal/acme/directory", { method });
      expect(res.status).toBe(200);
      expect(res.headers.get("replay-nonce")).toBeNull();
      expect(res.headers.get("link")).toBe(INDEX);
    }
    expect(nonces.footprint().issued).toBe(0);
  });

  it("keeps the health probes free of nonces and links", async () => {
    const { a, nonces } = app();
    for (const path of ["/healthz", "/readyz"]) {
      const res = await a.request(`https://acme.corp.internal${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("replay-nonce")).toBeNull();
      expect(res.headers.get("link")).toBeNull();
    }
    expect(nonces.footprint().issued).toBe(0);
  });
});
