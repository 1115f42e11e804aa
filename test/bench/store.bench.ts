/**
 * `npm run bench:store`: the full write path (writer → group commit with inline projections →
 * commit → audit file fsync → acknowledgement) with 1, 16 and 256 concurrent writers, on SQLite
 * and, when reachable, PostgreSQL. Prints events/s, latency percentiles and this process's CPU per
 * event (user + system, all threads: the database server's own CPU is not in it); compare ratios
 * within one run (shared machines are noisy). Options: --seconds N (per level, default 3),
 * --only sqlite|postgres. Ids are UUIDv7, as Certeasy mints them: time-ordered keys append to
 * the end of each index, where random UUIDv4 keys would dirty a random page per row.
 * BENCH_LEVELS=1,16,256 picks the writer counts; BENCH_EVENTS_PER_STREAM (default 5, about an
 * ACME order's life) how many events each stream takes before the writer starts a new one.
 */
import "reflect-metadata";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import postgres from "postgres";
import { NodeStarted } from "../../events/index.js";
import { openNode, type NodeCore } from "../../src/node/open-node.js";
import type { StoreOptions } from "../../src/store/open.js";
import { uuidv7 } from "../../src/store/uuid.js";
import { sqliteBaseline } from "./sqlite-baseline.js";

const args = process.argv.slice(2);
const seconds = Number(args[args.indexOf("--seconds") + 1] ?? 3) || 3;
const only = args.includes("--only") ? args[args.indexOf("--only") + 1] : undefined;
const EVENTS_PER_STREAM = Number(process.env["BENCH_EVENTS_PER_STREAM"] ?? 5);
const levels = (process.env["BENCH_LEVELS"] ?? "1,16,256").split(",").map(Number);
const PG_URL = "postgres://postgres@127.0.0.1:5432/test";

interface Result { driver: string; writers: number; events: number; seconds: number; perSecond: number; p50: number; p99: number; batches: number; cpuUs: number }

const batchCount = { batches: 0 };

async function runLevel(node: NodeCore, writers: number, driver: string): Promise<Result> {
  const latencies: number[] = [];
  batchCount.batches = 0;
  const deadline = performance.now() + seconds * 1000;
  const start = performance.now();
  const cpu = process.cpuUsage();
  const worker = async (w: number): Promise<void> => {
    let streamId = "";
    for (let n = 0; performance.now() < deadline; n++) {
      // Model ACME aggregates: a stream (an order, an authorization) takes a few events, then
      // the next one starts — rather than a handful of streams growing forever.
      if (n % EVENTS_PER_STREAM === 0) streamId = `bench:${uuidv7()}`;
      const t0 = performance.now();
      await node.writer.append({
        streamId,
        expectedVersion: "any",
        events: [NodeStarted.create({ bootId: uuidv7(), hostname: `bench-${w}`, pid: 1, version: "bench", firstBoot: false })],
      });
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: writers }, (_, w) => worker(w)));
  const elapsed = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  latencies.sort((a, b) => a - b);
  const pct = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
  const { batches } = batchCount;
  return { driver, writers, events: latencies.length, seconds: elapsed, perSecond: latencies.length / elapsed, p50: pct(0.5), p99: pct(0.99), batches, cpuUs: (used.user + used.system) / Math.max(1, latencies.length) };
}

async function benchDriver(driver: "sqlite" | "postgres"): Promise<Result[]> {
  const workdir = await mkdtemp(join(tmpdir(), `certeasy-bench-${driver}-`));
  const schema = `bench_${process.pid}`;
  let admin: postgres.Sql | undefined;
  let store: StoreOptions;
  if (driver === "sqlite") {
    store = { driver: "sqlite", path: join(workdir, "db.sqlite") };
  } else {
    admin = postgres(PG_URL, { max: 1, onnotice: () => {} });
    await admin.unsafe(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`);
    store = { driver: "postgres", dsn: PG_URL, maxConn: 10, pingTimeoutMs: 5000, schema };
  }
  const node = await openNode({ workdir, store, noddl: false, auditPath: join(workdir, "audit.log"), log: pino({ level: "silent" }),
    onBatch: () => { batchCount.batches += 1; } });
  const results: Result[] = [];
  try {
    for (const writers of levels) results.push(await runLevel(node, writers, driver));
  } finally {
    await node.stop("shutdown");
    if (admin) {
      await admin.unsafe(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    }
    await rm(workdir, { recursive: true, force: true });
  }
  return results;
}

async function postgresReachable(): Promise<boolean> {
  const sql = postgres(PG_URL, { max: 1, connect_timeout: 2, onnotice: () => {} });
  try {
    await sql`SELECT 1`;
    return true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

const drivers: ("sqlite" | "postgres")[] = [];
if (only !== "postgres") drivers.push("sqlite");
if (only !== "sqlite") {
  if (await postgresReachable()) drivers.push("postgres");
  else console.log("PostgreSQL not reachable at 127.0.0.1:5432 — skipping it");
}

console.log(`certeasy store benchmark: ${seconds}s per level, node ${process.version}`);
console.log("driver    writers   events    events/s   p50 ms   p99 ms  events/commit  CPU µs/event");
const best = new Map<string, number>();
for (const driver of drivers) {
  for (const r of await benchDriver(driver)) {
    best.set(r.driver, Math.max(best.get(r.driver) ?? 0, r.perSecond));
    console.log(
      `${r.driver.padEnd(9)} ${String(r.writers).padStart(7)} ${String(r.events).padStart(8)} ${r.perSecond.toFixed(0).padStart(11)} ${r.p50.toFixed(2).padStart(8)} ${r.p99.toFixed(2).padStart(8)} ${(r.events / Math.max(1, r.batches)).toFixed(1).padStart(14)} ${r.cpuUs.toFixed(0).padStart(13)}`,
    );
  }
}
if (drivers.includes("sqlite")) {
  const floor = await sqliteBaseline(seconds);
  const reached = best.get("sqlite") ?? 0;
  console.log(
    `baseline: raw better-sqlite3 inserts of the same rows, 256 per transaction: ${floor.toFixed(0)} rows/s; ` +
      `the full SQLite write path's best level reaches ${((100 * reached) / floor).toFixed(0)}% of it`,
  );
}
