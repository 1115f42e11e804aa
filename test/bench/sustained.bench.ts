/**
 * `npm run bench:sustained`: sustained load at 64 concurrent ACME clients for several minutes
 * against Certeasy (`serve` child, audit file on, logs at warn, loopback whitelisted from the
 * rate limits unless `--limits`), on SQLite and, when reachable, PostgreSQL. Prints completed
 * orders per 10 s window (throughput should stay flat), the server's RSS sampled from /proc
 * (min/max/slope: memory should stay bounded), and every client failure by class (none
 * expected; with `--limits`, only `429 rateLimited`).
 *
 * Options:
 *   --clients N        concurrent clients (default 64)
 *   --seconds N        measured time (default 300)
 *   --warmup N         warm-up seconds, not reported (default 30)
 *   --window N         throughput window in seconds (default 10)
 *   --rss-every N      RSS sample interval in seconds (default 5)
 *   --max-old-space N  run the server with --max-old-space-size=N (MB): memory that is really
 *                      retained then crashes it (a failure), garbage merely not yet collected does not
 *   --limits           loopback not whitelisted and limits low enough to trigger
 *                      (sustained/triggering-limits.ts); clients wait each Retry-After
 *   --revoke-every N   revoke one issued certificate in N (default 5); 0 revokes none, which
 *                      keeps the embedded CA's revocation work out of the measurement
 *   --heap-snapshots A,B,…  take a V8 heap snapshot of the server when the measured orders reach
 *                      A, B, … (written into --snapshot-dir, default the working directory; compare
 *                      them with test/bench/sustained/heap-compare.ts)
 *   --only sqlite,postgres
 */
import { connectOutcome } from "../e2e/https.js";
import { startHttp01Responder } from "../support/challenge-responders.js";
import { startDnsServer } from "../support/dns-server.js";
import type { Driver } from "./issuance/certeasy-target.js";
import { reportLines, runSustained } from "./sustained/sustained-run.js";
import { TRIGGERING_LIMITS } from "./sustained/triggering-limits.js";

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const value = args.includes(name) ? Number(args[args.indexOf(name) + 1]) : Number.NaN;
  return Number.isFinite(value) && value > 0 ? value : fallback;
};
const revokeEvery = args.includes("--revoke-every") ? Number(args[args.indexOf("--revoke-every") + 1]) : 5;
if (!Number.isInteger(revokeEvery) || revokeEvery < 0) throw new Error("--revoke-every: expected a whole number, 0 for no revocation");
const heapSnapshotsAt = args.includes("--heap-snapshots") ? (args[args.indexOf("--heap-snapshots") + 1] ?? "").split(",").map(Number) : [];
if (heapSnapshotsAt.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error("--heap-snapshots: expected order counts, e.g. 10000,30000");
const heapSnapshotDir = args.includes("--snapshot-dir") ? args[args.indexOf("--snapshot-dir") + 1] : undefined;
const only = args.includes("--only") ? args[args.indexOf("--only") + 1]?.split(",") : undefined;
const clients = option("--clients", 64);
const seconds = option("--seconds", 300);
const warmupSeconds = option("--warmup", 30);
const windowSeconds = option("--window", 10);
const rssEveryMs = option("--rss-every", 5) * 1000;
const maxOldSpace = args.includes("--max-old-space") ? option("--max-old-space", 0) : undefined;
const limits = args.includes("--limits");
const log = (line: string): void => console.log(line);

const [dns, responder] = await Promise.all([startDnsServer({ defaultA: "127.0.0.1" }), startHttp01Responder()]);
const drivers: Driver[] = [];
if (only === undefined || only.includes("sqlite")) drivers.push("sqlite");
if (only === undefined || only.includes("postgres")) {
  if ((await connectOutcome(5432, "127.0.0.1", 1500)) === "connected") drivers.push("postgres");
  else log("PostgreSQL not reachable at 127.0.0.1:5432: skipping it");
}
log(`certeasy sustained-load benchmark, node ${process.version}, ${new Date().toISOString()}`);
try {
  for (const driver of drivers) {
    const report = await runSustained({ driver, world: { dnsAddress: dns.address, http01Port: responder.port }, http01: responder, clients, seconds, warmupSeconds, windowSeconds, rssEveryMs, log, revokeEvery, heapSnapshotsAt, ...(heapSnapshotDir === undefined ? {} : { heapSnapshotDir }), ...(maxOldSpace ? { maxOldSpaceMb: maxOldSpace } : {}), ...(limits ? { rateLimiting: TRIGGERING_LIMITS } : {}) });
    log(reportLines(report, windowSeconds).join("\n"));
    // Under --limits a refusal is the expected failure (a bare "429": a HEAD newNonce refusal, which has no body); anything else is not.
    if ([...report.failures.keys()].some((failure) => !(limits && (failure === "429 rateLimited" || failure === "429")))) process.exitCode = 1;
  }
} finally {
  await Promise.all([dns.close(), responder.close()]);
}
