/**
 * Sustained load against Certeasy as an operator runs it (`serve` child, audit file on, logs at
 * warn): N raw JWS clients (test/faults/support/mixed-acme-load.ts) run complete orders back to
 * back and revoke one certificate in five, for a fixed time. After a warm-up that is not
 * reported, it counts completed orders per window (is throughput flat?) and samples the server's
 * resident set from /proc every few seconds (does memory stay bounded?).
 */
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { httpsGet } from "../../e2e/https.js";
import { MixedAcmeLoad } from "../../faults/support/mixed-acme-load.js";
import type { Http01Publisher } from "../issuance/order-flow.js";
import type { ChallengeWorld } from "../issuance/bench-target.js";
import { startCerteasy, type Driver } from "../issuance/certeasy-target.js";

export interface SustainedOptions {
  readonly driver: Driver;
  readonly world: ChallengeWorld;
  readonly http01: Http01Publisher;
  readonly clients: number;
  readonly warmupSeconds: number;
  readonly seconds: number;
  readonly windowSeconds: number;
  readonly rssEveryMs: number;
  /** `--max-old-space-size` of the server (MB): a leak then ends in an out-of-memory crash */
  readonly maxOldSpaceMb?: number;
  /** the lines under `rate-limiting:` (default: loopback whitelisted); clients then wait the Retry-After of a refusal */
  readonly rateLimiting?: readonly string[];
  /** one issued certificate in this many is revoked; 0 revokes none (keeps the CA's CRL out of the picture) */
  readonly revokeEvery: number;
  /**
   * Take a V8 heap snapshot of the server when the measured orders reach each of these counts
   * (the server runs with --heapsnapshot-signal=SIGUSR2 and writes into `heapSnapshotDir`).
   */
  readonly heapSnapshotsAt?: readonly number[];
  readonly heapSnapshotDir?: string;
  readonly log: (line: string) => void;
}

export interface RssSample {
  /** seconds since the end of the warm-up */
  readonly t: number;
  readonly mb: number;
  /** V8 heap in use (MB), from the server's /metrics: tells JavaScript objects from native memory */
  readonly heapMb: number | undefined;
  /** CPU time the server used so far (user + system, s): per completed order it does not depend on what else the machine runs */
  readonly cpuSeconds: number;
}

export interface SustainedReport {
  readonly driver: Driver;
  readonly maxOldSpaceMb: number | undefined;
  /** rate limits configured to trigger (failures `429 rateLimited` expected) */
  readonly limited: boolean;
  readonly clients: number;
  readonly seconds: number;
  /** orders completed in each window after the warm-up */
  readonly windows: readonly number[];
  readonly rss: readonly RssSample[];
  readonly ordersCompleted: number;
  readonly revocations: number;
  readonly revokeEvery: number;
  readonly failures: ReadonlyMap<string, number>;
  readonly samples: ReadonlyMap<string, string>;
  /** streaks of refusals that ended with a request let through (MixedAcmeLoad counters.recoveries) */
  readonly recoveries: number;
}

/** `certeasy_nodejs_heap_size_used_bytes` from the server's /metrics, in MB. */
async function heapUsedMb(metricsUrl: string, caPem: string): Promise<number | undefined> {
  try {
    const match = /^certeasy_nodejs_heap_size_used_bytes (\S+)$/m.exec((await httpsGet(metricsUrl, caPem)).body);
    return match ? Number(match[1]) / 1024 / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** utime + stime of `pid` in seconds, from /proc/<pid>/stat (fields 14 and 15; USER_HZ is 100 on Linux). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** VmRSS of `pid` in MB, from /proc/<pid>/status. */
export function rssMb(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) / 1024;
}

export async function runSustained(options: SustainedOptions): Promise<SustainedReport> {
  const snapshotsAt = [...(options.heapSnapshotsAt ?? [])].sort((a, b) => a - b);
  const nodeFlags = [
    ...(options.maxOldSpaceMb === undefined ? [] : [`--max-old-space-size=${options.maxOldSpaceMb}`]),
    ...(snapshotsAt.length === 0 ? [] : ["--heapsnapshot-signal=SIGUSR2", `--diagnostic-dir=${options.heapSnapshotDir ?? "."}`]),
  ];
  const target = await startCerteasy({
    driver: options.driver,
    world: options.world,
    nodeFlags,
    ...(options.rateLimiting === undefined ? {} : { rateLimiting: options.rateLimiting }),
  });
  const run = Math.random().toString(36).slice(2, 8);
  const load = new MixedAcmeLoad({
    endpoint: target.endpoint,
    http01: options.http01,
    clients: options.clients,
    revokeEvery: options.revokeEvery,
    identifier: (n) => `s${n}-${run}.sustained.test`,
    pollDelayMs: 20,
    honourRetryAfter: options.rateLimiting !== undefined,
  });
  const rss: RssSample[] = [];
  let sampler: NodeJS.Timeout | undefined;
  try {
    load.start();
    options.log(`  ${target.label}: ${options.clients} clients, warm-up ${options.warmupSeconds} s`);
    await sleep(options.warmupSeconds * 1000);
    const measuredFrom = performance.now();
    const completedBefore = load.completions.length;
    const metricsUrl = new URL("/metrics", target.endpoint.directoryUrl).href;
    const sample = async (): Promise<void> => {
      const t = (performance.now() - measuredFrom) / 1000;
      let mb: number;
      let cpu: number;
      try {
        mb = rssMb(target.pid);
        cpu = cpuSeconds(target.pid);
      } catch {
        return; // the server is gone (an out-of-memory crash): the clients' failures tell
      }
      rss.push({ t, mb, cpuSeconds: cpu, heapMb: await heapUsedMb(metricsUrl, target.endpoint.caPem) });
    };
    await sample();
    sampler = setInterval(() => void sample(), options.rssEveryMs);
    const progress = setInterval(() => options.log(`    … ${Math.round((performance.now() - measuredFrom) / 1000)} s, ${load.completions.length - completedBefore} orders, RSS ${rss.at(-1)?.mb.toFixed(0)} MB`), 30_000);
    const snapshots = setInterval(() => {
      const next = snapshotsAt[0];
      if (next === undefined || load.completions.length - completedBefore < next) return;
      snapshotsAt.shift();
      options.log(`    heap snapshot requested at ${load.completions.length - completedBefore} orders`);
      process.kill(target.pid, "SIGUSR2");
    }, 250);
    await sleep(options.seconds * 1000);
    clearInterval(progress);
    clearInterval(snapshots);
    clearInterval(sampler);
    await sample();
    const windowMs = options.windowSeconds * 1000;
    const windows = Array.from({ length: Math.floor(options.seconds / options.windowSeconds) }, () => 0);
    for (const at of load.completions.slice(completedBefore)) {
      const i = Math.floor((at - measuredFrom) / windowMs);
      if (i >= 0 && i < windows.length) windows[i] = (windows[i] ?? 0) + 1;
    }
    await load.stop();
    return {
      driver: options.driver,
      maxOldSpaceMb: options.maxOldSpaceMb,
      limited: options.rateLimiting !== undefined,
      clients: options.clients,
      seconds: options.seconds,
      windows,
      rss,
      ordersCompleted: load.completions.length - completedBefore,
      revocations: load.counters.revocations,
      revokeEvery: options.revokeEvery,
      failures: load.counters.failures,
      samples: load.counters.samples,
      recoveries: load.counters.recoveries,
    };
  } catch (error) {
    throw new Error(`${target.label}: ${error instanceof Error ? error.message : String(error)}\nServer output (tail):\n${target.output().slice(-4000)}`);
  } finally {
    if (sampler) clearInterval(sampler);
    await load.stop();
    load.close();
    await target.stop();
  }
}

/** Least-squares slope of RSS over time, MB per minute. */
export function rssSlopeMbPerMinute(samples: readonly RssSample[]): number {
  const n = samples.length;
  if (n < 2) return 0;
  const meanT = samples.reduce((a, s) => a + s.t, 0) / n;
  const meanM = samples.reduce((a, s) => a + s.mb, 0) / n;
  const num = samples.reduce((a, s) => a + (s.t - meanT) * (s.mb - meanM), 0);
  const den = samples.reduce((a, s) => a + (s.t - meanT) ** 2, 0);
  return den === 0 ? 0 : (num / den) * 60;
}

/**
 * Server CPU milliseconds per completed order over the first and the last third of the measured
 * time (CPU read at the samples nearest the thirds' bounds). A cost that grows with the history
 * raises it however busy the machine is; throughput alone also moves with other processes.
 */
export function cpuPerOrderByThirds(report: SustainedReport, windowSeconds: number): { readonly first: number; readonly last: number } {
  const third = Math.floor(report.windows.length / 3);
  const at = (t: number): number => report.rss.reduce((best, s) => (Math.abs(s.t - t) < Math.abs(best.t - t) ? s : best), report.rss[0] ?? { t: 0, mb: 0, heapMb: undefined, cpuSeconds: 0 }).cpuSeconds;
  const orders = (windows: readonly number[]): number => Math.max(1, windows.reduce((a, b) => a + b, 0));
  const span = third * windowSeconds;
  const end = report.windows.length * windowSeconds;
  return {
    first: ((at(span) - at(0)) * 1000) / orders(report.windows.slice(0, third)),
    last: ((at(end) - at(end - span)) * 1000) / orders(report.windows.slice(-third)),
  };
}

/** The heap in use at the first sample of each minute (the growth curve, at a glance). */
function perMinute(samples: readonly RssSample[]): string[] {
  const out: string[] = [];
  for (const sample of samples) {
    if (Math.floor(sample.t / 60) >= out.length && sample.heapMb !== undefined) out.push(sample.heapMb.toFixed(0));
  }
  return out;
}

/** The lines the bench prints and docs/reliability.md quotes. */
export function reportLines(report: SustainedReport, windowSeconds: number): string[] {
  const rates = report.windows.map((n) => n / windowSeconds);
  const mean = rates.reduce((a, b) => a + b, 0) / Math.max(1, rates.length);
  const half = Math.floor(rates.length / 2);
  const third = Math.floor(rates.length / 3);
  const avg = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const mbs = report.rss.map((s) => s.mb);
  const heap = report.rss.flatMap((s) => (s.heapMb === undefined ? [] : [s.heapMb]));
  return [
    `certeasy ${report.driver}${report.maxOldSpaceMb === undefined ? "" : ` (--max-old-space-size=${report.maxOldSpaceMb})`}${report.limited ? ", rate limits triggering" : ""}: ${report.clients} clients, ${report.seconds} s measured, ${report.ordersCompleted} orders (${(report.ordersCompleted / report.seconds).toFixed(1)}/s), ${report.revocations} revocations${report.revokeEvery === 0 ? " (none asked)" : ` (one in ${report.revokeEvery})`}`,
    `  orders/s per ${windowSeconds} s window: ${rates.map((r) => r.toFixed(1)).join(" ")}`,
    `  throughput: mean ${mean.toFixed(1)}/s, min ${Math.min(...rates).toFixed(1)}, max ${Math.max(...rates).toFixed(1)}; first half ${avg(rates.slice(0, half)).toFixed(1)}/s, second half ${avg(rates.slice(half)).toFixed(1)}/s`,
    `  thirds: first ${avg(rates.slice(0, third)).toFixed(1)}/s, middle ${avg(rates.slice(third, rates.length - third)).toFixed(1)}/s, last ${avg(rates.slice(rates.length - third)).toFixed(1)}/s; last/first ${(avg(rates.slice(rates.length - third)) / Math.max(1e-9, avg(rates.slice(0, third)))).toFixed(2)}`,
    `  V8 heap in use per minute (MB): ${perMinute(report.rss).join(" ")}`,
    `  RSS (${report.rss.length} samples): after warm-up ${mbs[0]?.toFixed(0)} MB, min ${Math.min(...mbs).toFixed(0)}, max ${Math.max(...mbs).toFixed(0)}, at the end ${mbs.at(-1)?.toFixed(0)} MB; slope ${rssSlopeMbPerMinute(report.rss).toFixed(2)} MB/min`,
    `  server CPU per order: first third ${cpuPerOrderByThirds(report, windowSeconds).first.toFixed(1)} ms, last third ${cpuPerOrderByThirds(report, windowSeconds).last.toFixed(1)} ms`,
    `  V8 heap in use: after warm-up ${heap[0]?.toFixed(0) ?? "?"} MB, max ${heap.length > 0 ? Math.max(...heap).toFixed(0) : "?"}, at the end ${heap.at(-1)?.toFixed(0) ?? "?"} MB`,
    `  failures: ${report.failures.size === 0 ? "none" : [...report.failures].map(([k, n]) => `${k} ×${n} (${report.samples.get(k)?.slice(0, 200)})`).join("; ")}`,
    ...(report.limited ? [`  streaks of refusals ended by a request let through: ${report.recoveries}`] : []),
  ];
}
