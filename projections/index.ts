/** Every inline table projection, in the order they run. */
import type { TableProjection } from "./projection.js";
import { accountsProjection } from "./tables/accounts.js";
import { eabKeysProjection } from "./tables/eab-keys.js";
import { nodeBootsProjection } from "./tables/node-boots.js";
import { ordersProjection } from "./tables/orders.js";

export * from "./projection.js";
export * from "./row-change.js";
export { accountsProjection, type AccountRow } from "./tables/accounts.js";
export { eabKeysProjection, type EabKeyRow } from "./tables/eab-keys.js";
export { nodeBootsProjection, type NodeBootRow } from "./tables/node-boots.js";
export { ordersProjection, type AuthorizationRow, type CertificateRow, type ChallengeRow, type OrderRow } from "./tables/orders.js";

export const tableProjections: readonly TableProjection[] = [nodeBootsProjection, accountsProjection, ordersProjection, eabKeysProjection];
export * from "./memory/memory-projection.js";
export { logPositionProjection, LogGapError, type LogPosition } from "./memory/log-position.js";
export { pendingRevocationsProjection, type PendingRevocations } from "./work/pending-revocations.js";
export { licenseProjection, ManagedServers, type InstalledLicense, type LicenseState } from "./memory/license/index.js";
export { orderStatusTallyProjection, OrderStatusTally, ORDER_STATUS_OF } from "./memory/order-status-tally.js";
