/**
 * One load step: N virtual clients, each running its own list of complete orders back to back
 * (a closed loop), against a server whose CPU is read from procfs before and after. Server CPU
 * per order is ΔCPU / orders completed; nothing else runs on the server during the step.
 */
import type { AcmeClient } from "./acme-client.js";
import type { BenchTarget } from "./bench-target.js";
import type { CertificateKey } from "./csr.js";
import { completeOrder, REQUEST_KINDS, type FlowOptions, type Http01Publisher, type OrderTrace, type OrderWork, type RequestKind } from "./order-flow.js";
import { trackDatabaseCpu } from "./database-cpu.js";
import { sampleCpu } from "./process-cpu.js";

/** A client of the load step with the certificate key its CSRs are made with. */
export interface VirtualClient {
  readonly acme: AcmeClient;
  readonly certificateKey: CertificateKey;
}

export interface LevelResult {
  readonly target: string;
  readonly clients: number;
  readonly orders: number;
  readonly seconds: number;
  readonly ordersPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly serverCpuMsPerOrder: number;
  /** The kernel's part of `serverCpuMsPerOrder` (system time: syscalls, fsync, sockets). */
  readonly serverSystemMsPerOrder: number;
  /**
   * CPU of the PostgreSQL backends serving the server's database, per order (undefined for
   * SQLite, which runs inside the server); see database-cpu.ts for how close it is.
   */
  readonly databaseCpuMsPerOrder: number | undefined;
  /** processes the server had below it during the step (none expected) */
  readonly serverDescendants: number;
  readonly authzPollsPerOrder: number;
  readonly orderPollsPerOrder: number;
  /** the bench process itself: load generator, DNS server and http-01 responder */
  readonly benchCpuMsPerOrder: number;
  /** signed requests per order, retries included (newNonce round trips apart) */
  readonly requestsPerOrder: number;
  readonly badNonceRetries: number;
  /** median latency of each kind of request the orders made (a kind no order made is absent) */
  readonly requestP50Ms: Readonly<Partial<Record<RequestKind, number>>>;
}

export interface LevelPlan {
  readonly clients: readonly VirtualClient[];
  readonly ordersPerClient: number;
  /** the first order number of this step: identifiers are `o<N>.bench.test`, never reused */
  readonly firstOrder: number;
  readonly http01: Http01Publisher;
  readonly flow: FlowOptions;
  /** called every `progressEveryMs` with the orders done so far */
  readonly onProgress?: (done: number, total: number) => void;
  readonly progressEveryMs?: number;
}

export const orderIdentifier = (n: number): string => `o${n}.bench.test`;

/** Each client's orders, CSRs included, built before the clock starts. */
export function planWork(plan: Pick<LevelPlan, "clients" | "ordersPerClient" | "firstOrder">): OrderWork[][] {
  return plan.clients.map((client, c) =>
    Array.from({ length: plan.ordersPerClient }, (_, i) => {
      const identifier = orderIdentifier(plan.firstOrder + c * plan.ordersPerClient + i);
      return { identifier, csr: client.certificateKey.csrFor(identifier) };
    }),
  );
}

export async function runLevel(target: BenchTarget, plan: LevelPlan): Promise<LevelResult> {
  const work = planWork(plan);
  const total = plan.clients.length * plan.ordersPerClient;
  const traces: OrderTrace[] = [];
  const retriesBefore = sum(plan.clients.map((c) => c.acme.counters.badNonceRetries));
  const requestsBefore = sum(plan.clients.map((c) => c.acme.counters.requests));
  const database = target.databasePids ? await trackDatabaseCpu(() => target.databasePids?.() ?? Promise.resolve([])) : undefined;
  const ticker = plan.onProgress ? setInterval(() => plan.onProgress?.(traces.length, total), plan.progressEveryMs ?? 5_000) : undefined;
  const cpuBefore = sampleCpu(target.pid);
  const benchBefore = process.cpuUsage();
  const started = performance.now();
  let ended = started;
  let databaseMs: number | undefined;
  try {
    await Promise.all(
      plan.clients.map(async (client, c) => {
        for (const order of work[c] ?? []) traces.push(await completeOrder(client.acme, plan.http01, order, plan.flow));
      }),
    );
    ended = performance.now();
  } catch (error) {
    throw new Error(`${target.label}, ${plan.clients.length} clients: an order failed after ${traces.length} of ${total}: ${error instanceof Error ? error.message : String(error)}\nServer output (tail):\n${target.output().slice(-4000)}`);
  } finally {
    if (ticker) clearInterval(ticker);
    databaseMs = await database?.stop();
  }
  const seconds = (ended - started) / 1000;
  const cpuAfter = sampleCpu(target.pid);
  const bench = process.cpuUsage(benchBefore);
  const latencies = traces.map((t) => t.ms).sort((a, b) => a - b);
  return {
    target: target.label,
    clients: plan.clients.length,
    orders: total,
    seconds,
    ordersPerSecond: total / seconds,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    serverCpuMsPerOrder: (cpuAfter.ms - cpuBefore.ms) / total,
    serverSystemMsPerOrder: (cpuAfter.systemMs - cpuBefore.systemMs) / total,
    databaseCpuMsPerOrder: databaseMs === undefined ? undefined : databaseMs / total,
    serverDescendants: Math.max(cpuBefore.descendants, cpuAfter.descendants),
    authzPollsPerOrder: sum(traces.map((t) => t.authzPolls)) / total,
    orderPollsPerOrder: sum(traces.map((t) => t.orderPolls)) / total,
    benchCpuMsPerOrder: (bench.user + bench.system) / 1000 / total,
    requestsPerOrder: (sum(plan.clients.map((c) => c.acme.counters.requests)) - requestsBefore) / total,
    badNonceRetries: sum(plan.clients.map((c) => c.acme.counters.badNonceRetries)) - retriesBefore,
    requestP50Ms: medianByKind(traces),
  };
}

function medianByKind(traces: readonly OrderTrace[]): Partial<Record<RequestKind, number>> {
  const medians: Partial<Record<RequestKind, number>> = {};
  for (const kind of REQUEST_KINDS) {
    const times = traces.flatMap((t) => t.requests.filter((r) => r.kind === kind).map((r) => r.ms)).sort((a, b) => a - b);
    if (times.length > 0) medians[kind] = percentile(times, 0.5);
  }
  return medians;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * p) - 1))] ?? Number.NaN;
}

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);
