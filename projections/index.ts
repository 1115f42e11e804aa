/** Every inline table projection, in the order they run. */
import type { TableProjection } from "./projection.js";
import { nodeBootsProjection } from "./tables/node-boots.js";

export * from "./projection.js";
export * from "./row-change.js";
export { nodeBootsProjection, type NodeBootRow } from "./tables/node-boots.js";

export const tableProjections: readonly TableProjection[] = [nodeBootsProjection];
export * from "./memory/memory-projection.js";
export { logPositionProjection, LogGapError, type LogPosition } from "./memory/log-position.js";
