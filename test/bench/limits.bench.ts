/**
 * `npm run bench:limits`: what the rate limiters (reference §7) cost per request (issue 5: "the
 * cost the limiters add per request at 64 concurrent clients, ratio with limits on vs off in
 * one run").
 *
 * 1. End to end: complete issuance flows (the issuance bench's load, test/bench/issuance/)
 *    against `serve` on SQLite at 64 clients, with every limiter **enforced** — all seven
 *    enabled, no whitelist, quotas far above the load so each one is evaluated on every request
 *    and none refuses — and with every limiter **off**. The two alternate (on, off, off, on, …)
 *    so drift on a shared machine falls on both alike; server CPU per signed request is compared.
 * 2. In process: the limiter calls alone (`checkRequest` on every request, `checkNewOrder` at
 *    newOrder, `checkNewAccount`) against a ledger holding the state of many accounts, in µs
 *    per call: the floor under what the end-to-end ratio can show.
 *
 * Options: --clients N (default 64), --rounds N (pairs of runs, default 2), --scale X (orders
 * per client ×X, default 1), --poll-ms N (default 20).
 */
import { randomUUID } from "node:crypto";
import { startHttp01Responder } from "../support/challenge-responders.js";
import { startDnsServer } from "../support/dns-server.js";
import { Log, orderCreated, rateConfig, registered } from "../ratelimit/support.js";
import { RateLimiter, rateLimitProjection, type RateLimitLedger } from "../../src/ratelimit/index.js";
import { startCerteasy } from "./issuance/certeasy-target.js";
import type { LevelResult } from "./issuance/load.js";
import type { FlowOptions } from "./issuance/order-flow.js";
import { tableHeader, tableRow } from "./issuance/report.js";
import { benchSession } from "./issuance/session.js";

const args = process.argv.slice(2);
const option = (name: string): string | undefined => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const clients = Number(option("--clients") ?? 64) || 64;
const rounds = Number(option("--rounds") ?? 2) || 2;
const scale = Number(option("--scale") ?? 1) || 1;
const flow: FlowOptions = { pollDelayMs: Number(option("--poll-ms") ?? 20), maxPolls: 500 };
const ordersPerClient = Math.max(2, Math.round(10 * scale));
const log = (line: string): void => console.log(line);

/** Every limiter on and consulted, none ever refusing this load. */
const HIGH = 10_000_000;
const ENFORCED = [
  "  global:",
  `    requests-per-minute: ${HIGH}`,
  `    burst: ${HIGH}`,
  "  abuse:",
  `    abuses-before-block: ${HIGH}`,
  "  account-creation:",
  `    per-ip-per-hour: ${HIGH}`,
  `    burst: ${HIGH}`,
  "  order-creation:",
  `    orders-per-account-per-hour: ${HIGH}`,
  `    order-burst: ${HIGH}`,
  `    san-budget-per-account-per-hour: ${HIGH}`,
  "  duplicate-certificate:",
  `    max-per-window: ${HIGH}`,
  "  failed-validation:",
  `    max-per-window: ${HIGH}`,
  "  pending-authorizations:",
  `    max: ${HIGH}`,
];
const LIMITERS = ["global", "abuse", "account-creation", "order-creation", "duplicate-certificate", "failed-validation", "pending-authorizations"];
const DISABLED = LIMITERS.flatMap((name) => [`  ${name}:`, "    enabled: false"]);

type Mode = "on" | "off";
const MODES: Readonly<Record<Mode, readonly string[]>> = { on: ENFORCED, off: DISABLED };

const cpuUsPerRequest = (r: LevelResult): number => (r.serverCpuMsPerOrder * 1000) / r.requestsPerOrder;
const mean = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

async function endToEnd(): Promise<string[]> {
  const [dns, responder] = await Promise.all([startDnsServer({ defaultA: "127.0.0.1" }), startHttp01Responder()]);
  const results: Record<Mode, LevelResult[]> = { on: [], off: [] };
  const lines = [`end to end: certeasy sqlite, ${clients} clients × ${ordersPerClient} orders per run, limits on/off alternating`, `mode  ${tableHeader()}  CPU µs/request`];
  try {
    for (let round = 0; round < rounds; round++) {
      for (const mode of (round % 2 === 0 ? ["on", "off"] : ["off", "on"]) as Mode[]) {
        log(`  round ${round + 1}, limits ${mode}`);
        const target = await startCerteasy({ driver: "sqlite", world: { dnsAddress: dns.address, http01Port: responder.port }, rateLimiting: MODES[mode] });
        try {
          const [result] = await benchSession(target, {
            levels: [{ clients, ordersPerClient }],
            warmup: { clients: 4, ordersPerClient: Math.max(2, Math.round(10 * scale)) },
            http01: responder,
            flow,
            log,
          });
          if (result === undefined) throw new Error("the session measured nothing");
          results[mode].push(result);
          lines.push(`${mode.padEnd(4)}  ${tableRow(result)}  ${cpuUsPerRequest(result).toFixed(0)}`);
          log(lines.at(-1) ?? "");
        } finally {
          await target.stop();
        }
      }
    }
  } finally {
    await Promise.all([dns.close(), responder.close()]);
  }
  const perRequest = (mode: Mode): number => mean(results[mode].map(cpuUsPerRequest));
  const throughput = (mode: Mode): number => mean(results[mode].map((r) => r.ordersPerSecond));
  const [on, off] = [perRequest("on"), perRequest("off")];
  lines.push(
    `limits on ÷ off, mean of ${rounds} runs each: server CPU per request ×${(on / off).toFixed(3)} (${on.toFixed(0)} vs ${off.toFixed(0)} µs, ${(on - off).toFixed(0)} µs difference); orders/s ×${(throughput("on") / throughput("off")).toFixed(3)}`,
  );
  return lines;
}

/** µs per call of `work`, over enough calls for a stable figure. */
function perCall(calls: number, work: (i: number) => void): number {
  for (let i = 0; i < Math.min(calls, 10_000); i++) work(i); // warm-up: JIT
  const started = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) work(i);
  return Number(process.hrtime.bigint() - started) / 1000 / calls;
}

function inProcess(): string[] {
  // A ledger as a busy node holds it: 10,000 accounts with 5 orders of 2 names each.
  const config = rateConfig();
  const projection = rateLimitProjection(config);
  const history = new Log();
  const t0 = Date.now() - 3_600_000;
  const accounts = Array.from({ length: 10_000 }, () => randomUUID());
  for (const [a, accountId] of accounts.entries()) {
    history.append(registered(accountId), t0, `10.${(a >>> 8) & 255}.${a & 255}.1`);
    for (let o = 0; o < 5; o++) history.append(orderCreated({ accountId, names: [`w${o}.a${a}.test`, `m${o}.a${a}.test`], authzExpires: t0 + 86_400_000 }).event, t0);
  }
  const ledger: RateLimitLedger = history.events.reduce((state, event) => projection.evolve(state, event), projection.initial);
  const limiter = new RateLimiter({ config, ledger: () => ledger });
  const now = Date.now();
  // 64 clients, as in the end-to-end runs; IPv6 among them so the /64 keying is paid for.
  const ips = Array.from({ length: 64 }, (_, i) => (i % 2 === 0 ? `192.0.2.${i}` : `2001:db8:${i.toString(16)}::${i}`));
  const request = perCall(2_000_000, (i) => void limiter.checkRequest(ips[i & 63] ?? "", now + i));
  const newOrder = perCall(200_000, (i) => {
    const accountId = accounts[i % accounts.length] ?? "";
    void limiter.checkNewOrder({ accountId, ip: "192.0.2.1", identifiers: [{ type: "dns", value: `n${i}.test` }], identifiersHash: "f".repeat(64), now });
  });
  const newAccount = perCall(200_000, (i) => void limiter.checkNewAccount(`10.${(i >>> 8) & 255}.${i & 255}.1`, now));
  return [
    `in process (ledger of ${accounts.length.toLocaleString("en")} accounts, ${history.events.length.toLocaleString("en")} events): µs per call`,
    `  checkRequest (global + abuse, every request): ${request.toFixed(3)}`,
    `  checkNewOrder (order-creation, duplicate-certificate, failed-validation, pending-authorizations): ${newOrder.toFixed(3)}`,
    `  checkNewAccount (account-creation): ${newAccount.toFixed(3)}`,
  ];
}

log(`certeasy limiter cost benchmark, node ${process.version}, ${new Date().toISOString()}`);
const output = [...inProcess(), "", ...(await endToEnd())];
log(`\n===== results =====\n${output.join("\n")}`);
