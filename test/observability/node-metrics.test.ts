/**
 * /metrics on a real node core (SQLite in a temp workdir): group commits, events by type and
 * the live log position come from the writer and the projections, not from the HTTP layer.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NodeStarted } from "../../events/index.js";
import { AccountService } from "../../src/acme/accounts/account-service.js";
import { NonceService } from "../../src/acme/nonces/nonce-service.js";
import { createAcmeApp } from "../../src/http/app.js";
import { openNode, type NodeCore } from "../../src/node/open-node.js";
import { nodeReadiness } from "../../src/node/readiness.js";
import { CerteasyMetrics } from "../../src/observability/metrics.js";
import { nodeMetricSources } from "../../src/observability/node-sources.js";
import { uuidv4 } from "../../src/store/uuid.js";
import { accountKey, signedBody } from "../acme/jws-fixtures.js";
import { parseExposition, valueOf, type Sample } from "./exposition.js";

const BASE = "https://acme.corp.internal";
let core: NodeCore;
let app: ReturnType<typeof createAcmeApp>;

beforeAll(async () => {
  const workdir = await mkdtemp(join(tmpdir(), "certeasy-metrics-"));
  const log = pino({ level: "silent" });
  const metrics = new CerteasyMetrics();
  core = await openNode({
    workdir,
    store: { driver: "sqlite", path: join(workdir, "db.sqlite") },
    noddl: false,
    auditPath: join(workdir, "audit.log"),
    log,
    onBatch: metrics.observeWriterBatch,
    onCommitted: metrics.countCommitted,
  });
  const readiness = nodeReadiness(core, 2_000);
  metrics.watchNode(nodeMetricSources(core, readiness));
  app = createAcmeApp({
    serverUrls: [`${BASE}/`],
    maxBodyBytes: 65_536,
    readiness,
    log,
    nonces: new NonceService({ clock: () => new Date() }),
    accounts: new AccountService(core.dialect, core.writer, { termsOfServiceRequired: false, externalAccountRequired: false }),
    metrics,
  });
});
afterAll(() => core?.stop("shutdown"));

async function scrape(): Promise<Sample[]> {
  const res = await app.request(`${BASE}/metrics`);
  expect(res.status).toBe(200);
  return parseExposition(await res.text());
}

/** Events per type in the whole log: on a fresh database, all of them were appended by this node. */
async function eventTypesInLog(): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const row of await core.dialect.readAll(0, 10_000)) counts.set(row.eventType, (counts.get(row.eventType) ?? 0) + 1);
  return counts;
}

describe("node metrics", () => {
  it("reports group commits, events by type, and the log position at the head", async () => {
    const commands = 40;
    await Promise.all(
      Array.from({ length: commands }, (_, i) =>
        core.writer.append({
          streamId: `node:${uuidv4()}`,
          expectedVersion: 0,
          events: [NodeStarted.create({ bootId: uuidv4(), hostname: `ca${i}`, pid: i + 1, version: "test", firstBoot: true })],
        }),
      ),
    );
    const key = await accountKey("ES256");
    const nonce = (await app.request(`${BASE}/acme/newNonce`)).headers.get("replay-nonce") ?? "";
    const registered = await app.request(`${BASE}/acme/newAccount`, {
      method: "POST",
      headers: { "Content-Type": "application/jose+json" },
      body: await signedBody(key, { url: `${BASE}/acme/newAccount`, nonce, payload: { termsOfServiceAgreed: true } }),
    });
    expect(registered.status).toBe(201);

    const samples = await scrape();
    const head = (await core.dialect.head()).position;
    expect(valueOf(samples, "certeasy_event_log_position")).toBe(head);

    const types = await eventTypesInLog();
    expect(types.get(NodeStarted.type)).toBe(commands + 1); // this boot's node.started included
    for (const [type, count] of types) expect(valueOf(samples, "certeasy_events_appended_total", { type })).toBe(count);

    // Every event went through a group commit; the 40 concurrent commands shared transactions.
    const batches = valueOf(samples, "certeasy_event_writer_batch_commands_count") ?? 0;
    expect(valueOf(samples, "certeasy_event_writer_batch_events_sum")).toBe(head);
    expect(valueOf(samples, "certeasy_event_writer_batch_commands_sum")).toBeGreaterThanOrEqual(commands + 2);
    expect(batches).toBeGreaterThan(0);
    expect(batches).toBeLessThan(commands);
    expect(valueOf(samples, "certeasy_event_writer_commit_seconds_count")).toBe(batches);
    expect(valueOf(samples, "certeasy_event_writer_commit_seconds_sum")).toBeGreaterThan(0);
    // Where the time went: one queue wait per command, one transaction and one audit write per batch.
    const stage = (name: string, suffix: string): number | undefined => valueOf(samples, `certeasy_event_writer_stage_seconds_${suffix}`, { stage: name });
    expect(stage("queued", "count")).toBe(valueOf(samples, "certeasy_event_writer_batch_commands_sum"));
    expect(stage("transaction", "count")).toBe(batches);
    expect(stage("audit_file", "count")).toBe(batches);
    expect(stage("transaction", "sum")).toBeGreaterThan(0);
    expect(stage("audit_file", "sum")).toBeGreaterThan(0);

    expect(valueOf(samples, "certeasy_http_requests_total", { route: "/acme/newAccount", method: "POST", status: "201" })).toBe(1);
  });

  it("labels account URLs with their route pattern, never the account id", async () => {
    const accountId = uuidv4();
    const res = await app.request(`${BASE}/acme/acct/${accountId}`, { method: "POST", headers: { "Content-Type": "application/jose+json" }, body: "{}" });
    expect(res.status).toBe(400);
    const samples = await scrape();
    expect(valueOf(samples, "certeasy_http_requests_total", { route: "/acme/acct/:accountId", method: "POST", status: "400" })).toBe(1);
    expect(samples.some((s) => Object.values(s.labels).some((v) => v.includes(accountId)))).toBe(false);
  });

  it("reports the node's readiness checks as ready", async () => {
    const samples = await scrape();
    for (const check of ["database", "projections", "writer"]) {
      expect(valueOf(samples, "certeasy_readiness", { check })).toBe(1);
    }
  });
});
