/** The scrape-time sources of a running node core: its live log position, its readiness, its orders by status. */
import { logPositionProjection, orderStatusTallyProjection, type MemoryProjection } from "../../projections/index.js";
import type { Readiness } from "../http/routes/health.js";
import type { NodeCore } from "../node/open-node.js";
import type { OrderStatusCounts } from "../store/order-status-counts.js";
import type { NodeMetricSources } from "./metrics.js";

/** The in-memory projections the metrics read: the node must start them (openNode's `memoryProjections`). */
export const metricsMemoryProjections: readonly MemoryProjection<unknown>[] = [orderStatusTallyProjection as MemoryProjection<unknown>];

export function nodeMetricSources(core: Pick<NodeCore, "live">, readiness: Readiness): NodeMetricSources {
  return { logPosition: () => core.live.state(logPositionProjection).position, readiness };
}

/** `certeasy_orders` from the order status tally: no statement per scrape (pass to `watchOrders`). */
export function orderStatusCountsOf(core: Pick<NodeCore, "live">): (now: Date) => OrderStatusCounts {
  return (now) => core.live.state(orderStatusTallyProjection).counts(now);
}
