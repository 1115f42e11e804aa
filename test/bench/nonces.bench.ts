/**
 * `npm run bench:nonces`: memory under a nonce flood (issue 5: "a client that asks for a million
 * nonces cannot exhaust memory — measure it").
 *
 * 1. In process: 1,000,000 nonces from one `NonceService` with the default window, heap and RSS
 *    (after forced GC) before and after, and the issue rate. For scale, the same million nonce
 *    strings kept in a `Set` — what a store of issued nonces would hold, since a flood this fast
 *    issues them all within the 2-minute lifetime.
 * 2. Over HTTPS: `serve` (SQLite, loopback whitelisted, so `global` does not throttle the flood:
 *    the case of a whitelisted or many-address flooder) answering `HEAD newNonce` to 64
 *    keep-alive clients for --seconds (default 20); the server's RSS before and after from /proc,
 *    the rate reached and the server CPU per nonce. One core's worth of that CPU bounds how fast
 *    anyone can push a nonce out of the issued window, which is what decides whether a flood can
 *    make another client's nonce fail.
 *
 * Options: --seconds N, --clients N (default 64), --nonces N (in-process count, default 1e6).
 */
import { readFileSync } from "node:fs";
import { Agent, request } from "node:https";
import type { LookupFunction } from "node:net";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { DEFAULT_NONCE_WINDOW_SIZE, NONCE_TTL_MS, NonceService } from "../../src/acme/nonces/index.js";
import { startCerteasy } from "./issuance/certeasy-target.js";
import { sampleCpu } from "./issuance/process-cpu.js";

const args = process.argv.slice(2);
const option = (name: string): string | undefined => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const seconds = Number(option("--seconds") ?? 20) || 20;
const clients = Number(option("--clients") ?? 64) || 64;
const count = Number(option("--nonces") ?? 1_000_000) || 1_000_000;
const log = (line: string): void => console.log(line);

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const MiB = 1_048_576;
const mib = (bytes: number): string => `${(bytes / MiB).toFixed(1)} MiB`;

function memory(): { heap: number; rss: number } {
  gc();
  gc();
  const { heapUsed, rss } = process.memoryUsage();
  return { heap: heapUsed, rss };
}

function inProcess(): string[] {
  const before = memory();
  const nonces = new NonceService({ clock: () => new Date() });
  const started = performance.now();
  let last = "";
  for (let i = 0; i < count; i++) last = nonces.issue();
  const ms = performance.now() - started;
  const after = memory();
  const footprint = nonces.footprint();
  if (nonces.consume(last) !== "ok") throw new Error("the newest nonce of the flood was not accepted");

  // For scale: what keeping each issued nonce would cost (strings as the service hands them out).
  const held = new Set<string>();
  const setBefore = memory();
  for (let i = 0; i < count; i++) held.add(nonces.issue());
  const setAfter = memory();
  const setBytes = setAfter.heap - setBefore.heap;
  held.clear();

  return [
    `in process: ${count.toLocaleString("en")} nonces in ${(ms / 1000).toFixed(2)} s (${Math.round(count / (ms / 1000)).toLocaleString("en")}/s)`,
    `  issued window: ${footprint.windowSize.toLocaleString("en")} slots, ${mib(footprint.bytes)}, whatever the count`,
    `  heap ${mib(before.heap)} → ${mib(after.heap)} (${mib(after.heap - before.heap)}), RSS ${mib(before.rss)} → ${mib(after.rss)} (${mib(after.rss - before.rss)})`,
    `  the same nonces kept in a Set, for comparison: +${mib(setBytes)} heap (${Math.round(setBytes / count)} bytes each)`,
  ];
}

/** Resident set size of `pid` in bytes, from /proc (Linux). */
function rssOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith("VmRSS:")) ?? "";
  return Number(/(\d+)/.exec(line)?.[1] ?? Number.NaN) * 1024;
}

const loopback: LookupFunction = (_host, options, callback) => {
  if (options.all) callback(null, [{ address: "127.0.0.1", family: 4 }]);
  else callback(null, "127.0.0.1", 4);
};

function headNonce(agent: Agent, url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "HEAD", agent, lookup: loopback });
    req.once("error", reject);
    req.once("response", (res) => {
      res.resume();
      res.once("end", () => {
        const nonce = res.headers["replay-nonce"];
        if (res.statusCode !== 200 || typeof nonce !== "string") reject(new Error(`newNonce answered ${res.statusCode} without a nonce`));
        else resolve(nonce);
      });
    });
    req.end();
  });
}

async function overHttps(): Promise<string[]> {
  // The flood never validates anything: the challenge side of the world can point nowhere.
  const target = await startCerteasy({ driver: "sqlite", world: { dnsAddress: "127.0.0.1:53", http01Port: 80 } });
  try {
    const url = new URL("/acme/newNonce", target.endpoint.directoryUrl).href;
    const agents = Array.from({ length: clients }, () => new Agent({ ca: target.endpoint.caPem, keepAlive: true, maxSockets: 1 }));
    // Warm-up: connections, JIT.
    await Promise.all(agents.map(async (agent) => {
      for (let i = 0; i < 20; i++) await headNonce(agent, url);
    }));
    const rssBefore = rssOf(target.pid);
    const cpuBefore = sampleCpu(target.pid);
    let issued = 0;
    let peakRss = rssBefore;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssOf(target.pid))), 500);
    const deadline = performance.now() + seconds * 1000;
    const started = performance.now();
    await Promise.all(
      agents.map(async (agent) => {
        while (performance.now() < deadline) {
          await headNonce(agent, url);
          issued++;
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    clearInterval(sampler);
    const cpuMs = sampleCpu(target.pid).ms - cpuBefore.ms;
    const rssAfter = rssOf(target.pid);
    for (const agent of agents) agent.destroy();
    const rate = issued / elapsed;
    const cpuUsEach = (cpuMs * 1000) / issued;
    // One JavaScript thread issues every nonce: a saturated server cannot exceed one core's worth.
    const ceiling = 1_000_000 / cpuUsEach;
    const wrapSeconds = DEFAULT_NONCE_WINDOW_SIZE / ceiling;
    return [
      `over HTTPS: serve (SQLite), ${clients} keep-alive clients sending HEAD newNonce for ${elapsed.toFixed(1)} s`,
      `  ${issued.toLocaleString("en")} nonces, ${Math.round(rate).toLocaleString("en")}/s, ${cpuUsEach.toFixed(0)} µs server CPU each: at most ${Math.round(ceiling).toLocaleString("en")}/s with a whole core`,
      `  server RSS ${mib(rssBefore)} → ${mib(rssAfter)} (peak ${mib(peakRss)})`,
      `  at that ceiling the ${DEFAULT_NONCE_WINDOW_SIZE.toLocaleString("en")}-slot window wraps in ${Math.round(wrapSeconds).toLocaleString("en")} s, against a nonce lifetime of ${NONCE_TTL_MS / 1000} s: ` +
        (wrapSeconds > NONCE_TTL_MS / 1000 ? "every nonce expires before a flood can push it out" : "a flood can push out nonces still within their lifetime (they get badNonce and retry)"),
    ];
  } finally {
    await target.stop();
  }
}

log(`certeasy nonce flood benchmark, node ${process.version}, ${new Date().toISOString()}`);
const output = [...inProcess(), "", ...(await overHttps())];
log(`\n===== results =====\n${output.join("\n")}`);
