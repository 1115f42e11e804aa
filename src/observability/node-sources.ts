/** The scrape-time sources of a running node core: its live log position and its readiness. */
import { logPositionProjection } from "../../projections/index.js";
import type { Readiness } from "../http/routes/health.js";
import type { NodeCore } from "../node/open-node.js";
import type { NodeMetricSources } from "./metrics.js";

export function nodeMetricSources(core: Pick<NodeCore, "live">, readiness: Readiness): NodeMetricSources {
  return { logPosition: () => core.live.state(logPositionProjection).position, readiness };
}
