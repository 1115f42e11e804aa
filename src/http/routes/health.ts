/**
 * Liveness and readiness probes for load balancers and supervisors.
 *
 * `/healthz` answers while the process can serve HTTP at all. `/readyz` answers 200 only when
 * every readiness check passes (DESIGN §3: in-memory projections hydrated and caught up, store
 * reachable…), so a load balancer does not route ACME traffic to a node that would fail it.
 */
import { Hono } from "hono";
import type { Logger } from "pino";
import { healthPaths } from "../acme-paths.js";
import type { AcmeEnv } from "../env.js";

export interface ReadinessCheck {
  readonly name: string;
  readonly ready: boolean;
  /** A short human hint, e.g. "replaying events 1200/5000". */
  readonly detail?: string;
}

export type Readiness = () => readonly ReadinessCheck[] | Promise<readonly ReadinessCheck[]>;

export type ReadinessState = "ready" | "not-ready";

export interface ReadinessReport {
  readonly status: ReadinessState;
  readonly checks: readonly { readonly name: string; readonly state: ReadinessState; readonly detail?: string }[];
}

export function readinessReport(checks: readonly ReadinessCheck[]): ReadinessReport {
  return {
    status: checks.every((c) => c.ready) ? "ready" : "not-ready",
    checks: checks.map((c) => ({
      name: c.name,
      state: c.ready ? "ready" : "not-ready",
      ...(c.detail !== undefined ? { detail: c.detail } : {}),
    })),
  };
}

const NO_STORE = { "Cache-Control": "no-store" } as const;

export function healthRoutes(readiness: Readiness, log: Logger): Hono<AcmeEnv> {
  const routes = new Hono<AcmeEnv>();
  routes.get(healthPaths.liveness, (c) => c.json({ status: "ok" }, 200, NO_STORE));
  routes.get(healthPaths.readiness, async (c) => {
    let report: ReadinessReport;
    try {
      report = readinessReport(await readiness());
    } catch (err) {
      // A failing probe means "not ready", not "server error": the node may recover on its own.
      log.error({ err }, "readiness callback failed");
      report = { status: "not-ready", checks: [{ name: "readiness", state: "not-ready", detail: "probe failed" }] };
    }
    return c.json(report, report.status === "ready" ? 200 : 503, NO_STORE);
  });
  return routes;
}
