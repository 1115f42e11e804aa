/**
 * What `/readyz` checks (DESIGN §3): the database answers, the in-memory projections are
 * hydrated and caught up with the log head, and the writer still accepts appends. A node that
 * fails any of them asks its load balancer to route elsewhere.
 */
import type { ReadinessCheck } from "../http/routes/health.js";
import { logPositionProjection } from "../../projections/index.js";
import type { NodeCore } from "./open-node.js";

const withTimeout = <T>(promise: Promise<T>, ms: number): Promise<T> =>
  Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref())]);

/** Anything that answers a health probe: a certificate authority. */
export interface HealthProbe {
  health(): Promise<{ readonly healthy: boolean; readonly detail: string }>;
}

/**
 * Issuance needs a CA: the node is ready when at least one authority answers its health check
 * (issue "Running it": `/readyz`), each one reported on its own line.
 */
export function authorityReadiness(authorities: ReadonlyMap<string, HealthProbe>, timeoutMs: number): () => Promise<readonly ReadinessCheck[]> {
  return async () => {
    const results = await Promise.all(
      [...authorities].map(async ([name, authority]) => {
        try {
          const health = await withTimeout(authority.health(), timeoutMs);
          return { name, healthy: health.healthy, detail: health.detail };
        } catch (error) {
          return { name, healthy: false, detail: error instanceof Error ? error.message : String(error) };
        }
      }),
    );
    const healthy = results.filter((r) => r.healthy).map((r) => r.name);
    const detail = results.map((r) => `${r.name}: ${r.healthy ? "healthy" : r.detail}`).join("; ");
    return [{ name: "authorities", ready: healthy.length > 0, detail }];
  };
}

export function nodeReadiness(core: NodeCore, pingTimeoutMs: number): () => Promise<readonly ReadinessCheck[]> {
  return async () => {
    const checks: ReadinessCheck[] = [];
    let head: number | undefined;
    try {
      head = (await withTimeout(core.dialect.head(), pingTimeoutMs)).position;
      checks.push({ name: "database", ready: true });
    } catch (error) {
      checks.push({ name: "database", ready: false, detail: error instanceof Error ? error.message : String(error) });
    }
    const failure = core.live.failure();
    const seen = core.live.caughtUp() ? core.live.state(logPositionProjection).position : undefined;
    checks.push({
      name: "projections",
      // Only this node appends, so once hydrated the projections trail the head by at most
      // the batch being committed right now.
      ready: failure === undefined && seen !== undefined,
      detail: failure ? failure.message : seen === undefined ? "hydrating from the log" : `position ${seen} of ${head ?? "?"}`,
    });
    const refusal = core.writer.refusal;
    checks.push({ name: "writer", ready: refusal === undefined, ...(refusal ? { detail: refusal.message } : {}) });
    return checks;
  };
}
