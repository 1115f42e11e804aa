/**
 * `npx tsx test/bench/sqlite-commit.bench.ts`: the SQLite append alone — appendBatch in a loop on
 * one connection, no writer queue, audit file or promises — to price one group commit. Each commit
 * carries BENCH_COMMANDS commands (default 4, like the group commits of 4 ACME clients) of one
 * NodeStarted event each, projected inline (a node_boots row each). Prints this process's CPU per
 * commit (user + system, all threads), the main thread's share of it (/proc, 10 ms ticks), commit
 * wall-time percentiles, and the WAL file's size at the end.
 *
 * Options: --commits N (default 3000), --rounds N (default 1), --autocheckpoint N (the writer's
 * wal_autocheckpoint; default SQLite's 1000 pages), --checkpoint-worker MS (a worker thread with
 * its own connection runs PRAGMA wal_checkpoint(PASSIVE) every MS ms: the "checkpoint off the
 * request path" experiment of docs/benchmarks.md), --cache-size N (PRAGMA cache_size for the
 * writer; default the store's). Compare variants by alternating runs.
 */
import "reflect-metadata";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { NodeStarted } from "../../events/index.js";
import { projectBatch, tableProjections } from "../../projections/index.js";
import type { AppendCommand } from "../../src/store/dialect.js";
import { appendBatch } from "../../src/store/sqlite/append.js";
import { openSqlite } from "../../src/store/sqlite/connection.js";
import { SqliteMigrator } from "../../src/store/sqlite/migrate.js";
import { prepareStatements } from "../../src/store/sqlite/statements.js";
import { uuidv7 } from "../../src/store/uuid.js";

const args = process.argv.slice(2);
const option = (name: string): number | undefined => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : undefined);
const commits = option("--commits") ?? 3000;
const rounds = option("--rounds") ?? 1;
const autocheckpoint = option("--autocheckpoint");
const workerEveryMs = option("--checkpoint-worker");
const cacheSize = option("--cache-size");
const perCommit = Number(process.env["BENCH_COMMANDS"] ?? 4);

/** utime + stime of this process's main thread, in µs. */
function mainThreadCpuUs(): number {
  const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

const CHECKPOINTER = `
const { workerData, parentPort } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma("busy_timeout = 5000");
const timer = setInterval(() => db.pragma("wal_checkpoint(PASSIVE)"), workerData.everyMs);
parentPort.on("message", () => { clearInterval(timer); db.close(); parentPort.close(); });
`;

function startCheckpointer(path: string, everyMs: number): () => Promise<void> {
  const driver = createRequire(import.meta.url).resolve("better-sqlite3");
  const worker = new Worker(CHECKPOINTER, { eval: true, workerData: { path, everyMs, driver } });
  return async () => {
    const exited = new Promise((resolve) => worker.once("exit", resolve));
    worker.postMessage("stop");
    await exited;
  };
}

interface RoundResult { cpuUs: number; mainUs: number; p50: number; p99: number; max: number; walBytes: number }

async function round(): Promise<RoundResult> {
  const dir = await mkdtemp(join(tmpdir(), "certeasy-commit-"));
  const path = join(dir, "db.sqlite");
  const connection = openSqlite({ path });
  try {
    new SqliteMigrator(connection).migrate();
    if (autocheckpoint !== undefined) connection.client.pragma(`wal_autocheckpoint = ${autocheckpoint}`);
    if (cacheSize !== undefined) connection.client.pragma(`cache_size = ${cacheSize}`);
    const statements = prepareStatements(connection);
    const ctx = { serverId: uuidv7(), leaseEpoch: null, now: () => new Date(), project: projectBatch.bind(null, tableProjections) };
    const batch = (): AppendCommand[] =>
      Array.from({ length: perCommit }, () => ({
        streamId: `node:${uuidv7()}`,
        expectedVersion: "any" as const,
        events: [NodeStarted.create({ bootId: uuidv7(), hostname: "bench", pid: 1, version: "bench", firstBoot: false })],
      }));
    for (let i = 0; i < 200; i++) appendBatch(connection, statements, batch(), ctx); // warm-up
    const stopCheckpointer = workerEveryMs ? startCheckpointer(path, workerEveryMs) : undefined;
    const latencies: number[] = [];
    const main = mainThreadCpuUs();
    const cpu = process.cpuUsage();
    for (let i = 0; i < commits; i++) {
      const commands = batch();
      const t0 = performance.now();
      appendBatch(connection, statements, commands, ctx);
      latencies.push(performance.now() - t0);
      // Let the event loop turn, as the writer does between group commits.
      if (i % 16 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    const used = process.cpuUsage(cpu);
    const mainUs = mainThreadCpuUs() - main;
    await stopCheckpointer?.();
    latencies.sort((a, b) => a - b);
    const at = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
    const walBytes = (await stat(`${path}-wal`).catch(() => ({ size: 0 }))).size;
    return { cpuUs: (used.user + used.system) / commits, mainUs: mainUs / commits, p50: at(0.5), p99: at(0.99), max: at(1), walBytes };
  } finally {
    connection.client.close();
    await rm(dir, { recursive: true, force: true });
  }
}

for (let r = 0; r < rounds; r++) {
  const { cpuUs, mainUs, p50, p99, max, walBytes } = await round();
  console.log(
    `round ${r + 1}: ${commits} commits × ${perCommit} commands: ${cpuUs.toFixed(1)} µs CPU/commit ` +
      `(main thread ${mainUs.toFixed(1)}), commit ms p50 ${p50.toFixed(2)} p99 ${p99.toFixed(2)} max ${max.toFixed(2)}, ` +
      `WAL ${(walBytes / 1024).toFixed(0)} KiB`,
  );
}
