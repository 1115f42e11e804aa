/**
 * `npm run bench:issuance`: complete ACME issuance flows against Certeasy running as a child
 * process (`serve`, durable storage, audit file on, logs at warn), on SQLite and, when reachable,
 * PostgreSQL; then the same load against Debian's Pebble when installed. Each order is new order
 * (one identifier) → http-01 → finalize → download. Prints per concurrency level orders/s,
 * latency percentiles and the server's CPU per order read from /proc, and Certeasy ÷ Pebble ratios
 * measured in the same run. Shared machines are noisy: compare ratios within one run.
 *
 * Options:
 *   --levels 1,4,16,64     virtual clients per step (Pebble only runs the steps up to 4)
 *   --only sqlite,postgres,pebble   which servers to drive (default: all that are available)
 *   --scale X              multiply the orders of every step (default 1)
 *   --poll-ms N            fixed delay before each authorization/order poll (default 20)
 *   --warmup N             orders of the unreported warm-up, run at 4 clients (default 400)
 *   --profile              also run Certeasy (SQLite) once under `node --cpu-prof` with 16
 *                          clients, and print where its CPU went during that step
 *                          (`--only none --profile`: the profile alone)
 *   --profile-clients N    clients of the profiled run (default 16)
 *   --profile-driver D     database of the profiled run: sqlite (default) or postgres
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "../e2e/children.js";
import { connectOutcome } from "../e2e/https.js";
import { startDnsServer } from "../support/dns-server.js";
import { startHttp01Responder } from "../support/challenge-responders.js";
import type { BenchTarget, ChallengeWorld } from "./issuance/bench-target.js";
import { CERTEASY_LOG_LEVEL, startCerteasy, type Driver } from "./issuance/certeasy-target.js";
import { monotonicUs, readProfilesFrom, summariseProfiles } from "./issuance/cpu-profile.js";
import type { LevelResult } from "./issuance/load.js";
import type { FlowOptions, Http01Publisher } from "./issuance/order-flow.js";
import { PEBBLE_CONCURRENCY_LIMIT, pebbleInstalled, startPebble } from "./issuance/pebble-target.js";
import { CLOCK_TICKS_PER_SECOND, sampleThreads, threadDelta } from "./issuance/process-cpu.js";
import { profileLines, ratioLines, requestLatencyLines, tableHeader, tableRow, targetVerdict } from "./issuance/report.js";
import { benchSession, type LevelSpec, type SessionOptions } from "./issuance/session.js";

/** The issue's target: server CPU per complete order on a 2-core machine. */
const TARGET_CPU_MS_PER_ORDER = 2;

const args = process.argv.slice(2);
const option = (name: string): string | undefined => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const PROFILED_CLIENTS = Number(option("--profile-clients") ?? 16) || 16;
const PROFILED_DRIVER: Driver = option("--profile-driver") === "postgres" ? "postgres" : "sqlite";
const levels = (option("--levels") ?? "1,4,16,64").split(",").map(Number).filter((n) => Number.isInteger(n) && n > 0);
const only = option("--only")?.split(",");
const scale = Number(option("--scale") ?? 1) || 1;
const flow: FlowOptions = { pollDelayMs: Number(option("--poll-ms") ?? 20), maxPolls: 500 };
const wanted = (name: string): boolean => only === undefined || only.includes(name);

/** Orders per client at each step: enough for a stable figure, the whole run under ~5 minutes. */
function ordersPerClient(clients: number): number {
  const base: Readonly<Record<number, number>> = { 1: 100, 4: 50, 16: 25, 64: 10 };
  return Math.max(1, Math.round(scale * (base[clients] ?? Math.max(4, Math.ceil(240 / clients)))));
}

const log = (line: string): void => console.log(line);
const steps = (list: readonly number[]): LevelSpec[] => list.map((clients) => ({ clients, ordersPerClient: ordersPerClient(clients) }));
/**
 * The warm-up is not reported. V8 keeps optimising functions for the first several hundred
 * orders (each one runs a few times per order), so a short warm-up charges the JIT's work to
 * the first step measured: 400 orders by default (`--warmup 40` was the old figure).
 */
const WARMUP_ORDERS = Number(option("--warmup") ?? 400);
const WARMUP: LevelSpec = { clients: 4, ordersPerClient: Math.max(1, Math.round((WARMUP_ORDERS / 4) * scale)) };

async function drive(start: () => Promise<BenchTarget>, options: SessionOptions): Promise<LevelResult[]> {
  const target = await start();
  try {
    return await benchSession(target, options);
  } finally {
    await target.stop();
  }
}

async function profileCerteasy(world: ChallengeWorld, http01: Http01Publisher): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), "certeasy-bench-profile-"));
  try {
    const window = { fromUs: 0, toUs: 0 };
    let threadsBefore = new Map<string, number>();
    let threads: [string, number][] = [];
    const [result] = await drive(() => startCerteasy({ driver: PROFILED_DRIVER, world, cpuProfileDir: dir }), {
      levels: steps([PROFILED_CLIENTS]),
      warmup: WARMUP,
      http01,
      flow,
      log,
      around: {
        clients: PROFILED_CLIENTS,
        before: (pid) => {
          window.fromUs = monotonicUs();
          threadsBefore = sampleThreads(pid);
        },
        after: (pid) => {
          window.toUs = monotonicUs();
          threads = threadDelta(threadsBefore, sampleThreads(pid));
        },
      },
    });
    const summary = summariseProfiles(await readProfilesFrom(dir), REPO_ROOT, window);
    return [
      `certeasy ${PROFILED_DRIVER} under node --cpu-prof, ${PROFILED_CLIENTS} clients (the profiler itself adds CPU):`,
      ...(result ? [tableHeader(), tableRow(result)] : []),
      `server CPU by thread during the step: ${threads.filter(([, ms]) => ms > 0).map(([name, ms]) => `${name} ${ms.toFixed(0)} ms`).join(", ")}`,
      ...profileLines(summary, 10),
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const [dns, responder] = await Promise.all([startDnsServer({ defaultA: "127.0.0.1" }), startHttp01Responder()]);
const world: ChallengeWorld = { dnsAddress: dns.address, http01Port: responder.port };
const session = (list: readonly number[]): SessionOptions => ({ levels: steps(list), warmup: WARMUP, http01: responder, flow, log });
const drivers: Driver[] = [];
if (wanted("sqlite")) drivers.push("sqlite");
if (wanted("postgres")) {
  if ((await connectOutcome(5432, "127.0.0.1", 1500)) === "connected") drivers.push("postgres");
  else log("PostgreSQL not reachable at 127.0.0.1:5432: skipping it");
}
let runPebble = wanted("pebble");
if (runPebble && !pebbleInstalled()) {
  log("pebble is not installed (/usr/bin/pebble): skipping it");
  runPebble = false;
}

log(`certeasy issuance benchmark, node ${process.version}, ${new Date().toISOString()}`);
log(`Certeasy: serve as a child process, audit file on, logs ${CERTEASY_LOG_LEVEL}, no authorization reuse; polls every ${flow.pollDelayMs} ms; CPU from /proc (${CLOCK_TICKS_PER_SECOND} ticks/s)`);
const output: string[] = [];
const certeasyResults = new Map<Driver, LevelResult[]>();
try {
  for (const driver of drivers) {
    const results = await drive(() => startCerteasy({ driver, world }), session(levels));
    certeasyResults.set(driver, results);
    output.push("", `certeasy ${driver}`, tableHeader(), ...results.map(tableRow), targetVerdict(results, TARGET_CPU_MS_PER_ORDER), ...requestLatencyLines(results, flow.pollDelayMs));
    log(output.slice(-results.length - 3).join("\n"));
  }
  if (runPebble) {
    const pebbleLevels = levels.filter((n) => n <= PEBBLE_CONCURRENCY_LIMIT);
    output.push("", `pebble (Debian 2.4.0, PEBBLE_VA_NOSLEEP=1, NONCEREJECT=0, AUTHZREUSE=0; only up to ${PEBBLE_CONCURRENCY_LIMIT} clients: stock 2.4.0 deadlocks at 16+)`);
    try {
      const pebble = await drive(() => startPebble(world), session(pebbleLevels));
      output.push(tableHeader(), ...pebble.map(tableRow), ...requestLatencyLines(pebble, flow.pollDelayMs), "", ...[...certeasyResults.values()].flatMap((results) => ratioLines(results, pebble)));
    } catch (error) {
      // The comparison is lost, not Certeasy's figures: say why, and fail the run at the end.
      output.push(`pebble run failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    }
  }
  if (args.includes("--profile")) output.push("", ...(await profileCerteasy(world, responder)));
  log(`\n===== results =====${output.join("\n")}`);
} finally {
  await Promise.all([dns.close(), responder.close()]);
}
