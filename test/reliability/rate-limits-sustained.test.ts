/**
 * Issue 8, rate limits that trigger under sustained load: RATE_LIMIT_CLIENTS raw JWS clients
 * (the mixed load of test/faults: complete orders back to back, one revocation in five) hold a
 * `serve` child for RATE_LIMIT_SECONDS with limits low enough to trigger and loopback NOT
 * whitelisted, so all clients share one address (test/bench/sustained/triggering-limits.ts):
 * `global` (per address) and `order-creation` (per account) refuse, `account-creation` (per
 * address) when clients register late, and clients wait the Retry-After they are given
 * (RFC 8555 §6.6) before they start over. Checked:
 * - every failure a client sees is `429 rateLimited` with `Retry-After` in whole seconds, a
 *   `Replay-Nonce` (§6.5) and `Link: <directory>;rel="index"` (§7.1) — no other error;
 * - `global` and `order-creation` refused, and every client refused long enough before the end
 *   had a request let through after its refusal;
 * - `certeasy_rate_limit_denials_total` in /metrics equals the 429s the clients saw, limit by limit;
 * - nothing refused changed state: the log holds exactly the accounts, orders and revocations
 *   the clients were acknowledged, and `ratelimit.denied` events (at most one per limit and key
 *   per Retry-After period) — no more; `audit verify` and `events verify` pass.
 *
 * Sizes: `npm test` 32 clients for 60 s; `npm run test:reliability` 64 (RATE_LIMIT_CLIENTS).
 */
import { readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { AcmeExchangeError } from "../bench/issuance/acme-client.js";
import { TRIGGERING_LIMITS, TRIGGERING_LIMITS_MAX_RETRY_AFTER_SECONDS } from "../bench/sustained/triggering-limits.js";
import { createInstallation, httpsGet, killLeftoverChildren, type Installation, type ServeProcess } from "../e2e/harness.js";
import { parseExposition, samplesOf } from "../observability/exposition.js";
import { useValidationWorld, validationWorldYaml } from "../faults/support/acknowledged.js";
import { MixedAcmeLoad } from "../faults/support/mixed-acme-load.js";

const CLIENTS = Number(process.env["RATE_LIMIT_CLIENTS"] ?? 32);
const SECONDS = Number(process.env["RATE_LIMIT_SECONDS"] ?? 60);
const RATE_LIMITED = "urn:ietf:params:acme:error:rateLimited";

/** A client refused this long before the end must have had a request let through since. */
const RECOVERY_SECONDS = 30;

/** Which limit refused, from the problem's detail (src/ratelimit/limiter.ts). */
function limitOf(detail: string): string {
  if (detail.startsWith("Too many requests from ")) return "global";
  if (detail.startsWith("Too many new accounts from ")) return "account-creation";
  if (/^(Too many new orders|Too many identifiers|This order names)/.test(detail)) return "order-creation";
  if (detail.startsWith("Too many pending authorizations")) return "pending-authorizations";
  if (/refused for a while/.test(detail)) return "abuse";
  return `unknown: ${detail}`;
}

const world = useValidationWorld();
afterEach(killLeftoverChildren);
let node: Installation | undefined;
afterAll(async () => node?.cleanup());

describe("rate limits under sustained load", () => {
  it(`${CLIENTS} clients for ${SECONDS} s: only 429 rateLimited with Retry-After, clients recover, /metrics counts every refusal, refusals change no state`, async () => {
    node = await createInstallation({ rateLimiting: TRIGGERING_LIMITS, configExtra: validationWorldYaml(world()) });
    // More accounts than the Free plan's 25 managed servers.
    expect((await node.installLicense()).code).toBe(0);
    let server: ServeProcess | undefined = await node.serve({ timeoutMs: 90_000 });
    const caPem = await readFile(node.rootCaPath, "utf8");
    const directoryUrl = server.directoryUrl;
    const seen = new Map<string, number>();
    const badRefusals: string[] = [];
    const load = new MixedAcmeLoad({
      endpoint: { directoryUrl, caPem },
      http01: world().responder,
      clients: CLIENTS,
      revokeEvery: 5,
      identifier: (n) => `r${n}.limits.test`,
      honourRetryAfter: true,
      onFailure: (error) => {
        const answer = error instanceof AcmeExchangeError ? error.answer : undefined;
        if (answer?.status !== 429) return;
        const message = error instanceof Error ? error.message : String(error);
        const body = message.indexOf(": {");
        // A HEAD newNonce refusal has no body to say which limit: only `global` (or `abuse`) applies there.
        const problem = (body < 0 ? { type: RATE_LIMITED, detail: "Too many requests from (HEAD)" } : JSON.parse(message.slice(body + 2))) as { type?: string; detail?: string };
        const limit = limitOf(problem.detail ?? "");
        seen.set(limit, (seen.get(limit) ?? 0) + 1);
        const wrong: string[] = [];
        if (problem.type !== RATE_LIMITED) wrong.push(`type ${problem.type}`);
        if (!/^\d+$/.test(answer.retryAfter ?? "") || Number(answer.retryAfter) > TRIGGERING_LIMITS_MAX_RETRY_AFTER_SECONDS) wrong.push(`Retry-After ${answer.retryAfter}`);
        if (!answer.nonce) wrong.push("no Replay-Nonce");
        if (answer.link !== `<${directoryUrl}>;rel="index"`) wrong.push(`Link ${answer.link}`);
        if (answer.contentType !== "application/problem+json") wrong.push(`Content-Type ${answer.contentType}`);
        if (wrong.length > 0 && badRefusals.length < 20) badRefusals.push(`${wrong.join(", ")}: ${message.slice(0, 300)}`);
      },
    });
    try {
      const started = performance.now();
      load.start();
      await sleep(SECONDS * 1000);
      const endedAt = performance.now();
      await load.stop();

      // Only 429 rateLimited, each with the headers a client needs.
      // ("429" alone: a HEAD newNonce refusal, which has no body to name its problem type.)
      const samples = JSON.stringify(Object.fromEntries(load.counters.samples));
      for (const failure of load.counters.failures.keys()) expect(["429 rateLimited", "429"], samples).toContain(failure);
      if (load.counters.failures.has("429")) expect(load.counters.samples.get("429"), samples).toMatch(/^HEAD /);
      expect(badRefusals).toEqual([]);
      for (const limit of ["global", "order-creation"]) expect(seen.get(limit) ?? 0, `429s from ${limit}`).toBeGreaterThan(0);
      const refusals = (load.counters.failures.get("429 rateLimited") ?? 0) + (load.counters.failures.get("429") ?? 0);
      expect([...seen.values()].reduce((a, b) => a + b, 0)).toBe(refusals);

      // Refused clients come back once they waited: no client is still in a streak of refusals
      // (no request of its order let through since) that began RECOVERY_SECONDS or more before
      // the end; most were refused, and came back.
      const settled = endedAt - RECOVERY_SECONDS * 1000;
      const everRefused = load.everFailed.filter(Boolean).length;
      const stuck = load.failingSince.flatMap((since, i) => (since !== undefined && since < settled ? [`client ${i} refused since ${((endedAt - since) / 1000).toFixed(0)} s before the end`] : []));
      expect(stuck, "clients refused for good").toEqual([]);
      expect(everRefused, "clients refused at least once").toBeGreaterThan(CLIENTS / 2);
      expect(load.counters.recoveries, "requests let through after a refusal").toBeGreaterThan(0);

      // Every refusal counted by the server, limit by limit.
      const metrics = parseExposition((await httpsGet(new URL("/metrics", directoryUrl).href, caPem)).body);
      const counted = new Map(samplesOf(metrics, "certeasy_rate_limit_denials_total").map((s) => [s.labels["limiter"] ?? "", s.value] as const));
      for (const [limit, n] of seen) expect(counted.get(limit) ?? 0, `certeasy_rate_limit_denials_total{limiter="${limit}"}`).toBe(n);
      expect([...counted.values()].reduce((a, b) => a + b, 0), "denials counted by the server").toBe(refusals);

      const stopped = await server.stop("SIGTERM");
      server = undefined;
      expect(stopped.code).toBe(0);

      // Nothing refused changed state: the log holds what was acknowledged, and denials.
      const exported = await node.cli("events", "export");
      expect(exported.code, exported.stderr).toBe(0);
      const types = new Map<string, number>();
      for (const line of exported.stdout.split("\n").filter((l) => l !== "")) {
        const type = (JSON.parse(line) as { type: string }).type;
        types.set(type, (types.get(type) ?? 0) + 1);
      }
      expect(types.get("acme.account.registered") ?? 0, "accounts in the log").toBe(load.ledger.accounts.size);
      expect(types.get("acme.order.created") ?? 0, "orders in the log").toBe(load.ledger.orders.size);
      expect(types.get("acme.certificate.revoked") ?? 0, "revocations in the log").toBe(load.ledger.revoked.size);
      const denialEvents = types.get("ratelimit.denied") ?? 0;
      expect(denialEvents).toBeGreaterThan(0);
      expect(denialEvents).toBeLessThanOrEqual(refusals);
      expect((await node.cli("audit", "verify")).code).toBe(0);
      expect((await node.cli("events", "verify")).code).toBe(0);

      const elapsed = (endedAt - started) / 1000;
      console.log(
        `rate-limits-sustained: ${CLIENTS} clients, ${elapsed.toFixed(0)} s: ${load.counters.ordersCompleted} orders completed (${(load.counters.ordersCompleted / elapsed).toFixed(1)}/s), ` +
          `${load.ledger.accounts.size} accounts, ${load.ledger.revoked.size} revocations; ${refusals} refusals ${JSON.stringify(Object.fromEntries(seen))}, ` +
          `${load.counters.recoveries} recoveries, ${everRefused}/${CLIENTS} clients refused, ${denialEvents} ratelimit.denied events`,
      );
    } finally {
      await load.stop();
      load.close();
      await server?.stop("SIGKILL");
    }
  }, (SECONDS + 180) * 1000);
});
