/**
 * Everything one server goes through in the bench: accounts for the largest step registered
 * before any clock starts, a warm-up (JIT, connection set-up, caches) that is not reported, then
 * each load step in turn.
 */
import { generateAccountKey } from "./account-key.js";
import { openAccount } from "./acme-client.js";
import type { BenchTarget } from "./bench-target.js";
import { generateCertificateKey } from "./csr.js";
import { runLevel, type LevelResult, type VirtualClient } from "./load.js";
import type { FlowOptions, Http01Publisher } from "./order-flow.js";

export interface LevelSpec {
  readonly clients: number;
  readonly ordersPerClient: number;
}

export interface SessionOptions {
  readonly levels: readonly LevelSpec[];
  readonly warmup: LevelSpec;
  readonly http01: Http01Publisher;
  readonly flow: FlowOptions;
  readonly log: (line: string) => void;
  /** runs just before / after the step with this many clients (the profiler's time window) */
  readonly around?: { readonly clients: number; before(serverPid: number): void; after(serverPid: number): void };
}

export async function benchSession(target: BenchTarget, options: SessionOptions): Promise<LevelResult[]> {
  const most = Math.max(options.warmup.clients, ...options.levels.map((l) => l.clients));
  const clients: VirtualClient[] = [];
  try {
    for (let i = 0; i < most; i++) clients.push({ acme: await openAccount(target.endpoint, generateAccountKey()), certificateKey: generateCertificateKey() });
    let nextOrder = 1;
    const step = async (spec: LevelSpec): Promise<LevelResult> => {
      const firstOrder = nextOrder;
      nextOrder += spec.clients * spec.ordersPerClient;
      // Before the clock starts: clients idle since registration hold expired nonces.
      await Promise.all(clients.slice(0, spec.clients).map((client) => client.acme.refreshNonce()));
      return runLevel(target, {
        clients: clients.slice(0, spec.clients),
        ordersPerClient: spec.ordersPerClient,
        firstOrder,
        http01: options.http01,
        flow: options.flow,
        progressEveryMs: 10_000,
        onProgress: (done, total) => options.log(`    … ${done}/${total} orders`),
      });
    };
    options.log(`  ${target.label}: ${most} accounts registered; warm-up, ${options.warmup.clients} clients × ${options.warmup.ordersPerClient} orders`);
    await step(options.warmup);
    const results: LevelResult[] = [];
    for (const spec of options.levels) {
      options.log(`  ${target.label}: ${spec.clients} clients × ${spec.ordersPerClient} orders`);
      const watched = options.around?.clients === spec.clients ? options.around : undefined;
      watched?.before(target.pid);
      results.push(await step(spec));
      watched?.after(target.pid);
    }
    return results;
  } finally {
    for (const client of clients) client.acme.close();
  }
}
