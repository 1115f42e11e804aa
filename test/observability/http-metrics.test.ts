/**
 * /metrics through the Hono app: requests counted by route pattern and status, readiness read
 * at scrape time, no nonce on the scrape, one registry per CerteasyMetrics.
 */
import { describe, expect, it } from "vitest";
import { NonceService } from "../../src/acme/nonces/nonce-service.js";
import { createAcmeApp } from "../../src/http/app.js";
import type { Readiness } from "../../src/http/routes/health.js";
import { CerteasyMetrics } from "../../src/observability/metrics.js";
import { silentLogger } from "../http/helpers.js";
import { parseExposition, samplesOf, valueOf, type Sample } from "./exposition.js";

const BASE = "https://acme.corp.internal";

function appWith(metrics: CerteasyMetrics | undefined, readiness: Readiness = () => []): ReturnType<typeof createAcmeApp> {
  return createAcmeApp({
    serverUrls: [`${BASE}/`],
    maxBodyBytes: 65_536,
    readiness,
    log: silentLogger(),
    nonces: new NonceService({ clock: () => new Date() }),
    ...(metrics ? { metrics } : {}),
  });
}

async function scrape(app: ReturnType<typeof createAcmeApp>): Promise<Sample[]> {
  const res = await app.request(`${BASE}/metrics`);
  expect(res.status).toBe(200);
  return parseExposition(await res.text());
}

describe("GET /metrics", () => {
  it("answers the text exposition format, without Replay-Nonce or Link", async () => {
    const app = appWith(new CerteasyMetrics());
    const res = await app.request(`${BASE}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.headers.get("replay-nonce")).toBeNull();
    expect(res.headers.get("link")).toBeNull();
    const samples = parseExposition(await res.text());
    // prom-client's process metrics, under our prefix
    expect(valueOf(samples, "certeasy_process_start_time_seconds")).toBeGreaterThan(0);
    expect(samplesOf(samples, "process_start_time_seconds")).toEqual([]);
  });

  it("counts requests by route pattern, method and status; unknown paths as unmatched", async () => {
    const app = appWith(new CerteasyMetrics());
    await app.request(`${BASE}/acme/directory`);
    await app.request(`${BASE}/acme/directory`);
    await app.request(`${BASE}/acme/newNonce`);
    await app.request(`${BASE}/acme/newNonce`, { method: "HEAD" });
    await app.request(`${BASE}/wp-login.php`);
    await app.request(`${BASE}/wp-login.php`, { method: "POST", body: "{}" });
    await app.request(`${BASE}/acme/directory`, { method: "POST", body: "{}" });

    const samples = await scrape(app);
    const requests = "certeasy_http_requests_total";
    expect(valueOf(samples, requests, { route: "/acme/directory", method: "GET", status: "200" })).toBe(2);
    expect(valueOf(samples, requests, { route: "/acme/newNonce", method: "GET", status: "204" })).toBe(1);
    expect(valueOf(samples, requests, { route: "/acme/newNonce", method: "HEAD", status: "200" })).toBe(1);
    expect(valueOf(samples, requests, { route: "unmatched", method: "GET", status: "404" })).toBe(1);
    expect(valueOf(samples, requests, { route: "unmatched", method: "POST", status: "404" })).toBe(1);
    // a known resource with a method it does not answer: 405, still no route of its own
    expect(valueOf(samples, requests, { route: "unmatched", method: "POST", status: "405" })).toBe(1);
    expect(samplesOf(samples, requests).some((s) => s.labels.route === "/wp-login.php")).toBe(false);
    expect(valueOf(samples, "certeasy_http_request_duration_seconds_count", { route: "/acme/directory", method: "GET" })).toBe(2);
  });

  it("counts the scrape itself, so the previous scrape shows in the next", async () => {
    const app = appWith(new CerteasyMetrics());
    await scrape(app);
    const samples = await scrape(app);
    expect(valueOf(samples, "certeasy_http_requests_total", { route: "/metrics", method: "GET", status: "200" })).toBe(1);
  });

  it("reports each readiness check as 0 or 1, read at scrape time", async () => {
    const metrics = new CerteasyMetrics();
    let projectionsReady = false;
    const readiness: Readiness = () => [
      { name: "database", ready: true },
      { name: "projections", ready: projectionsReady, detail: "hydrating from the log" },
    ];
    metrics.watchNode({ logPosition: () => 42, readiness });
    const app = appWith(metrics, readiness);

    let samples = await scrape(app);
    expect(valueOf(samples, "certeasy_readiness", { check: "database" })).toBe(1);
    expect(valueOf(samples, "certeasy_readiness", { check: "projections" })).toBe(0);
    expect(valueOf(samples, "certeasy_event_log_position")).toBe(42);

    projectionsReady = true;
    samples = await scrape(app);
    expect(valueOf(samples, "certeasy_readiness", { check: "projections" })).toBe(1);
  });

  it("reports a readiness probe that throws as not ready", async () => {
    const metrics = new CerteasyMetrics();
    const readiness: Readiness = () => Promise.reject(new Error("pool exhausted"));
    metrics.watchNode({ logPosition: () => 0, readiness });
    const samples = await scrape(appWith(metrics, readiness));
    expect(samplesOf(samples, "certeasy_readiness")).toEqual([{ name: "certeasy_readiness", labels: { check: "readiness" }, value: 0 }]);
  });

  it("keeps one registry per metrics object: two apps in one process do not share counts", async () => {
    const first = appWith(new CerteasyMetrics());
    const second = appWith(new CerteasyMetrics());
    await first.request(`${BASE}/acme/directory`);
    const samples = await scrape(second);
    expect(samplesOf(samples, "certeasy_http_requests_total", { route: "/acme/directory" })).toEqual([]);
  });

  it("is not served when the app has no metrics", async () => {
    const res = await appWith(undefined).request(`${BASE}/metrics`);
    expect(res.status).toBe(404);
  });
});
