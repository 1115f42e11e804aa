/**
 * `GET /metrics`: the Prometheus text exposition of this process's registry. Like the health
 * probes it is for operators' tooling, not ACME clients, so it carries no nonce and no Link.
 */
import { Hono } from "hono";
import { metricsPath } from "../http/acme-paths.js";
import type { AcmeEnv } from "../http/env.js";
import type { CerteasyMetrics } from "./metrics.js";

export function metricsRoutes(metrics: CerteasyMetrics): Hono<AcmeEnv> {
  const routes = new Hono<AcmeEnv>();
  routes.get(metricsPath, async (c) =>
    c.body(await metrics.exposition(), 200, { "Content-Type": metrics.contentType, "Cache-Control": "no-store" }),
  );
  return routes;
}
